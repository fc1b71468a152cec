/** What a probe finds out about a video, and the one error it raises. */

export type VideoContainer = 'mp4' | 'avi' | 'mkv' | 'webm';

export interface VideoInfo {
	container: VideoContainer;
	durationSeconds: number;
	/** Frames per second of the video track (not rounded to an integer: 29.97 stays 29.97). */
	fps: number;
	frameCount: number;
	width?: number;
	height?: number;
}

export class VideoProbeError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'VideoProbeError';
	}
}
