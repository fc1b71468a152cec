import type { IDataObject, ILoadOptionsFunctions, INodeListSearchItems, INodeListSearchResult } from 'n8n-workflow';

import { asNodeError } from '../helpers/errors';
import { parseModelReference, projectTypeOnVideo } from '../helpers/models';
import { CREDENTIAL_NAME, DEFAULT_BASE_URL, normalizeBaseUrl, RoboflowRequestError, roboflowApiRequest } from '../transport';

/**
 * Projects whose versions one page of the list opens: each costs one request, and a page must
 * come back quickly. n8n asks for the next page (with the paginationToken below) when the user
 * scrolls to the end of the list.
 */
export const PROJECTS_PER_PAGE = 10;

interface ProjectSummary {
	id?: string;
	name?: string;
	type?: string;
}

interface VersionSummary {
	id?: string;
	name?: string;
	model?: unknown;
}

/** Where a project is: its workspace and its slug (Roboflow's model_id). */
interface ProjectPlace {
	workspace: string;
	slug: string;
}

function slugOf(id: string | undefined): string {
	return (id ?? '').split('/').filter(Boolean).pop() ?? '';
}

/** A project a page cannot open (gone, or not this key's) is left out; anything else is an error. */
function cannotRead(error: unknown): boolean {
	return error instanceof RoboflowRequestError && (error.statusCode === 404 || error.statusCode === 403);
}

async function keyWorkspace(ctx: ILoadOptionsFunctions): Promise<string> {
	const root = await roboflowApiRequest.call(ctx, { method: 'GET', endpoint: '/', step: 'models', action: 'reading your workspace', idempotent: true });
	return typeof root.workspace === 'string' ? root.workspace.trim() : '';
}

async function readProject(ctx: ILoadOptionsFunctions, place: ProjectPlace): Promise<IDataObject | undefined> {
	try {
		return await roboflowApiRequest.call(ctx, {
			method: 'GET',
			endpoint: `/${encodeURIComponent(place.workspace)}/${encodeURIComponent(place.slug)}`,
			step: 'models',
			action: `listing the versions of ${place.slug}`,
			idempotent: true,
		});
	} catch (error) {
		if (cannotRead(error)) return undefined;
		throw asNodeError(ctx.getNode(), error, 0);
	}
}

/** The page of a model version in Roboflow, when the credential talks to Roboflow itself (not a proxy or the emulator). */
function pageUrl(ctx: { roboflowHost: boolean; ownWorkspace: string }, place: ProjectPlace, version: string): string | undefined {
	if (!ctx.roboflowHost) return undefined;
	return place.workspace === ctx.ownWorkspace
		? `https://app.roboflow.com/${place.workspace}/${place.slug}/${version}`
		: `https://universe.roboflow.com/${place.workspace}/${place.slug}/model/${version}`;
}

/**
 * The list items of one project: its trained versions, newest first (as Roboflow lists them), as
 * project/version (workspace/project/version for another workspace's project). A project with
 * no trained version shows all its versions, as the SDK would offer them.
 */
function versionItems(
	project: ProjectSummary,
	versions: VersionSummary[],
	place: ProjectPlace,
	links: { roboflowHost: boolean; ownWorkspace: string },
): INodeListSearchItems[] {
	const trained = versions.filter((v) => v.model);
	const items: INodeListSearchItems[] = [];
	for (const version of trained.length ? trained : versions) {
		const number = slugOf(version.id);
		if (!/^\d+$/.test(number)) continue;
		const own = place.workspace === links.ownWorkspace;
		const url = pageUrl(links, place, number);
		items.push({
			name: `${project.name ?? place.slug}${own ? '' : ` (${place.workspace})`} · v${number}${project.type ? ` (${project.type})` : ''}`,
			value: `${own ? '' : `${place.workspace}/`}${place.slug}/${number}`,
			...(url ? { url } : {}),
		});
	}
	return items;
}

async function projectItems(ctx: ILoadOptionsFunctions, place: ProjectPlace, links: { roboflowHost: boolean; ownWorkspace: string }, summary?: ProjectSummary): Promise<INodeListSearchItems[]> {
	const detail = await readProject(ctx, place);
	if (!detail) return [];
	const project = { ...(detail.project as ProjectSummary | undefined), ...summary };
	if ('notOnVideo' in projectTypeOnVideo(project.type)) return [];
	return versionItems(project, (detail.versions ?? []) as VersionSummary[], place, links);
}

/** A pasted Roboflow app or Universe URL of a project (with or without a version). */
function projectOfUrl(text: string): { workspace: string; slug: string } | undefined {
	const match = /^https?:\/\/(?:app|universe)\.roboflow\.com\/([A-Za-z0-9][A-Za-z0-9_-]*)\/([A-Za-z0-9][A-Za-z0-9_-]*)(?:[/?#]|$)/i.exec(text);
	return match ? { workspace: match[1], slug: match[2] } : undefined;
}

/** Whether every word the user typed is in the project's name, slug or type. */
function matches(project: ProjectSummary, words: string[]): boolean {
	const haystack = `${project.name ?? ''} ${slugOf(project.id)} ${project.type ?? ''}`.toLowerCase();
	return words.every((word) => haystack.includes(word));
}

/**
 * The model picker: the trained model versions of the credential's workspace, as Roboflow's own
 * SDK reads them (the root names the workspace, the workspace lists its projects, each project
 * lists its versions), a page of projects at a time.
 *
 * - The search words filter projects by name, slug and type (all of the workspace's projects,
 *   not only those of the first page).
 * - A pasted model URL or ID (app.roboflow.com/…, universe.roboflow.com/…, project/version,
 *   workspace/project/version) lists the versions of that project, also another workspace's
 *   project that this key can read (a public Universe project).
 */
export async function searchModels(this: ILoadOptionsFunctions, filter?: string, paginationToken?: string): Promise<INodeListSearchResult> {
	const query = (filter ?? '').trim();
	const ownWorkspace = await keyWorkspace(this);
	const credentials = await this.getCredentials(CREDENTIAL_NAME);
	const links = { roboflowHost: normalizeBaseUrl(credentials.baseUrl) === DEFAULT_BASE_URL, ownWorkspace };

	const pasted = query.includes('/') ? (parseModelReference(query) ?? projectOfUrl(query)) : undefined;
	if (pasted) {
		const slug = 'modelId' in pasted ? pasted.modelId : pasted.slug;
		const workspace = pasted.workspace ?? ownWorkspace;
		if (!workspace) return { results: [] };
		const results = await projectItems(this, { workspace, slug }, links);
		// The version the text named comes first.
		const named = 'version' in pasted ? results.findIndex((item) => String(item.value).split('/').slice(-2).join('/') === `${slug}/${pasted.version}`) : -1;
		if (named > 0) results.unshift(...results.splice(named, 1));
		return { results };
	}

	if (!ownWorkspace) return { results: [] };
	const ws = await roboflowApiRequest.call(this, {
		method: 'GET',
		endpoint: `/${encodeURIComponent(ownWorkspace)}`,
		step: 'models',
		action: 'listing your projects',
		idempotent: true,
	});
	const words = query.toLowerCase().split(/\s+/).filter(Boolean);
	const projects = (((ws.workspace as IDataObject | undefined)?.projects ?? []) as ProjectSummary[]).filter(
		// Projects whose type cannot run on video (semantic segmentation) are not offered.
		(p) => slugOf(p.id) !== '' && !('notOnVideo' in projectTypeOnVideo(p.type)) && matches(p, words),
	);

	const start = Math.max(0, Number.parseInt(paginationToken ?? '0', 10) || 0);
	const page = projects.slice(start, start + PROJECTS_PER_PAGE);
	const pages = await Promise.all(page.map(async (project) => await projectItems(this, { workspace: ownWorkspace, slug: slugOf(project.id) }, links, project)));
	const next = start + PROJECTS_PER_PAGE;
	return { results: pages.flat(), ...(next < projects.length ? { paginationToken: String(next) } : {}) };
}
