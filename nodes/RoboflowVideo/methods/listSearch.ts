import type { IDataObject, ILoadOptionsFunctions, INodeListSearchItems, INodeListSearchResult } from 'n8n-workflow';

import { roboflowApiRequest } from '../transport';

/** Project pages to open per search: each costs one request, and the list must stay snappy. */
const MAX_PROJECTS_EXPANDED = 15;

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

function slugOf(id: string | undefined): string {
	return (id ?? '').split('/').filter(Boolean).pop() ?? '';
}

/**
 * Lists the trained model versions of the credential's workspace, as Roboflow's own SDK
 * reads them: the root tells the workspace, the workspace lists its projects, and each
 * project lists its versions.
 */
export async function searchModels(this: ILoadOptionsFunctions, filter?: string): Promise<INodeListSearchResult> {
	const root = await roboflowApiRequest.call(this, { method: 'GET', endpoint: '/', step: 'models', action: 'reading your workspace', idempotent: true });
	const workspace = typeof root.workspace === 'string' ? root.workspace : '';
	if (!workspace) return { results: [] };

	const ws = await roboflowApiRequest.call(this, {
		method: 'GET',
		endpoint: `/${encodeURIComponent(workspace)}`,
		step: 'models',
		action: 'listing your projects',
		idempotent: true,
	});
	const projects = (((ws.workspace as IDataObject | undefined)?.projects ?? []) as ProjectSummary[]).filter((p) => {
		// Semantic segmentation cannot run on video, so such projects are not offered.
		if (p.type === 'semantic-segmentation') return false;
		if (!filter) return true;
		const needle = filter.toLowerCase();
		return `${p.name ?? ''} ${p.id ?? ''}`.toLowerCase().includes(needle);
	});

	const results: INodeListSearchItems[] = [];
	for (const project of projects.slice(0, MAX_PROJECTS_EXPANDED)) {
		const slug = slugOf(project.id);
		if (!slug) continue;
		const detail = await roboflowApiRequest.call(this, {
			method: 'GET',
			endpoint: `/${encodeURIComponent(workspace)}/${encodeURIComponent(slug)}`,
			step: 'models',
			action: `listing the versions of ${slug}`,
			idempotent: true,
		});
		const versions = (detail.versions ?? []) as VersionSummary[];
		const trained = versions.filter((v) => v.model);
		// Roboflow lists versions newest first, which is also the likeliest pick.
		for (const version of trained.length ? trained : versions) {
			const number = slugOf(version.id);
			if (!/^\d+$/.test(number)) continue;
			results.push({
				name: `${project.name ?? slug} · v${number}${project.type ? ` (${project.type})` : ''}`,
				value: `${slug}/${number}`,
			});
		}
	}
	return { results };
}
