/**
 * The emulator's fake Roboflow workspace: projects, versions and trained models.
 *
 * Response shapes mirror what roboflow-python reads (roboflow/__init__.py,
 * roboflow/core/workspace.py, roboflow/core/project.py, roboflow/core/version.py,
 * roboflow/core/model.py, and the mocked API answers in its tests/__init__.py):
 *   GET /                      -> {welcome, instructions, docs, workspace: "<url>"}
 *   GET /{ws}                  -> {workspace: {name, url, members, projects: [PROJECT]}}
 *   GET /{ws}/{project}        -> {workspace: {name, url, members}, project: PROJECT, versions: [VERSION]}
 * PROJECT = {id: "ws/slug", type, name, created, updated, images, unannotated,
 *            annotation, versions: <count>, public, splits, colors, classes}
 * VERSION = {id: "ws/slug/N", name, created, images, splits, preprocessing,
 *            augmentation, exports, model?: {id, endpoint, start, end, map, recall, precision, modelType}}
 * A version is "trained" exactly when it carries `model` (that is how the SDK decides).
 */

export const VIDEO_INFERENCE_TYPES = [
	'object-detection',
	'classification',
	'instance-segmentation',
	'keypoint-detection',
	'clip-embed-image',
	'gaze-detection',
] as const;
export type VideoInferenceType = (typeof VIDEO_INFERENCE_TYPES)[number];

export function isVideoInferenceType(value: string): value is VideoInferenceType {
	return (VIDEO_INFERENCE_TYPES as readonly string[]).includes(value);
}

export interface CatalogProject {
	slug: string;
	name: string;
	/** Roboflow project type; semantic-segmentation exists in Roboflow but cannot run on video. */
	type: VideoInferenceType | 'semantic-segmentation';
	classes: string[];
	/** Keypoint projects: the skeleton's point names. */
	keypoints?: string[];
	/** Version numbers 1..versionCount exist; those in trainedVersions have a model. */
	versionCount: number;
	trainedVersions: number[];
	created: number;
}

export const CATALOG: readonly CatalogProject[] = [
	{
		slug: 'rock-paper-scissors-presentation',
		name: 'Rock Paper Scissors',
		type: 'object-detection',
		classes: ['Paper', 'Rock', 'Scissors'],
		versionCount: 5,
		trainedVersions: [1, 2, 3, 4], // version 5 is generated but not trained yet
		created: 1_666_000_000.123,
	},
	{
		slug: 'pothole-segmentation',
		name: 'Pothole Segmentation',
		type: 'instance-segmentation',
		classes: ['pothole'],
		versionCount: 2,
		trainedVersions: [1, 2],
		created: 1_680_000_000.456,
	},
	{
		slug: 'hand-keypoints',
		name: 'Hand Keypoints',
		type: 'keypoint-detection',
		classes: ['hand'],
		keypoints: ['wrist', 'thumb_tip', 'index_tip', 'middle_tip', 'ring_tip', 'pinky_tip'],
		versionCount: 1,
		trainedVersions: [1],
		created: 1_690_000_000.789,
	},
	{
		slug: 'weather-classification',
		name: 'Weather Classification',
		type: 'classification',
		classes: ['cloudy', 'rain', 'shine', 'sunrise'],
		versionCount: 3,
		trainedVersions: [1, 3],
		created: 1_700_000_000.012,
	},
	{
		slug: 'people-detection',
		name: 'People Detection',
		type: 'object-detection',
		classes: ['person'],
		versionCount: 2,
		trainedVersions: [1, 2],
		created: 1_705_000_000.5,
	},
	{
		slug: 'road-semantic-segmentation',
		name: 'Road Semantic Segmentation',
		type: 'semantic-segmentation',
		classes: ['background', 'road', 'sidewalk'],
		versionCount: 1,
		trainedVersions: [1],
		created: 1_710_000_000.345,
	},
];

/** Models every workspace can use for video without training (the SDK's "additional models"). */
export const BUILTIN_MODELS: Readonly<Record<string, { version: string; type: VideoInferenceType }>> = {
	clip: { version: '1', type: 'clip-embed-image' },
	gaze: { version: '1', type: 'gaze-detection' },
};

const CLASS_COLORS = ['#8622FF', '#FE0056', '#00FFCE', '#FF8000', '#00B7EB', '#FFFF00'];

export function findProject(slug: string): CatalogProject | undefined {
	return CATALOG.find((project) => project.slug === slug);
}

function projectJson(workspace: string, project: CatalogProject): Record<string, unknown> {
	const imagesPerClass = 40;
	const classes: Record<string, number> = {};
	const colors: Record<string, string> = {};
	project.classes.forEach((name, i) => {
		classes[name] = imagesPerClass + i * 7;
		colors[name] = CLASS_COLORS[i % CLASS_COLORS.length];
	});
	const images = project.classes.length * imagesPerClass;
	return {
		id: `${workspace}/${project.slug}`,
		type: project.type,
		name: project.name,
		created: project.created,
		updated: project.created + 86_400 * 30,
		images,
		unannotated: 0,
		annotation: project.classes.length === 1 ? project.classes[0] : project.name.toLowerCase(),
		versions: project.versionCount,
		public: false,
		splits: { train: Math.round(images * 0.7), valid: Math.round(images * 0.2), test: images - Math.round(images * 0.7) - Math.round(images * 0.2) },
		colors,
		classes,
	};
}

function versionJson(workspace: string, project: CatalogProject, version: number): Record<string, unknown> {
	const created = project.created + version * 86_400;
	const json: Record<string, unknown> = {
		id: `${workspace}/${project.slug}/${version}`,
		name: version === 1 ? 'raw' : `augmented-640x640-v${version}`,
		created,
		images: project.classes.length * 40 * (version === 1 ? 1 : 3),
		splits: { train: 70, valid: 20, test: 10 },
		preprocessing: { 'auto-orient': { enabled: true }, resize: { enabled: true, width: '640', height: '640', format: 'Stretch to' } },
		augmentation: version === 1 ? {} : { image: { enabled: true, versions: 3 }, flip: { enabled: true, horizontal: true, vertical: false } },
		exports: [],
	};
	if (project.trainedVersions.includes(version)) {
		json.model = {
			id: `${project.slug}/${version}`,
			endpoint: `https://detect.roboflow.com/${project.slug}/${version}`,
			start: created + 600,
			end: created + 600 + 3_600,
			map: String(60 + version * 5.5),
			recall: String(55 + version * 4.25),
			precision: String(65 + version * 3.75),
			modelType: project.type === 'classification' ? 'yolov11-cls' : project.type === 'keypoint-detection' ? 'yolov8-pose' : 'rfdetr-medium',
		};
	}
	return json;
}

export function rootJson(workspace: string): Record<string, unknown> {
	return {
		welcome: 'Welcome to the Roboflow API.',
		instructions: 'You are successfully authenticated.',
		docs: 'https://docs.roboflow.com',
		workspace,
	};
}

export function workspaceJson(workspace: string): Record<string, unknown> {
	return {
		workspace: {
			name: 'Emulator Workspace',
			url: workspace,
			members: 1,
			projects: CATALOG.map((project) => projectJson(workspace, project)),
		},
	};
}

export function projectDetailJson(workspace: string, project: CatalogProject): Record<string, unknown> {
	const versions: Array<Record<string, unknown>> = [];
	// Newest first, as the dashboard lists them.
	for (let v = project.versionCount; v >= 1; v--) versions.push(versionJson(workspace, project, v));
	return {
		workspace: { name: 'Emulator Workspace', url: workspace, members: 1 },
		project: projectJson(workspace, project),
		versions,
	};
}

/**
 * Why a ModelSpec cannot run, in the words a job failure would use; undefined when it can.
 * inference_type has already been checked against VIDEO_INFERENCE_TYPES.
 */
export function modelProblem(modelId: string, modelVersion: string, inferenceType: VideoInferenceType): string | undefined {
	const builtin = BUILTIN_MODELS[modelId];
	if (builtin) {
		if (builtin.version !== modelVersion) return `Model ${modelId}/${modelVersion} does not exist (the built-in ${modelId} model has version ${builtin.version}).`;
		if (builtin.type !== inferenceType) return `Model ${modelId}/${modelVersion} has type ${builtin.type}, not ${inferenceType}.`;
		return undefined;
	}
	const project = findProject(modelId);
	const version = Number(modelVersion);
	if (!project || !Number.isInteger(version) || version < 1 || version > project.versionCount) {
		return `Model ${modelId}/${modelVersion} does not exist or is not accessible with this API key.`;
	}
	if (!project.trainedVersions.includes(version)) return `Model ${modelId}/${modelVersion} has not been trained.`;
	if (project.type !== inferenceType) return `Model ${modelId}/${modelVersion} has type ${project.type}, not ${inferenceType}.`;
	return undefined;
}
