/**
 * The host package.json n8n is installed under: n8n at N8N_VERSION, the linkedom override n8n
 * needs (see the shared n8n notes), and the answers to npm 11's install-script review.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { N8N_VERSION } from './cache';

const LINKEDOM_OVERRIDE = '0.18.13';

/**
 * npm 11's review of install scripts (`allowScripts`, see `npm help install-scripts`) for the
 * host folder: the packages in n8n 2.41.1's tree that have install scripts, as
 * `npm install-scripts ls` lists them there. Only sqlite3's build (`node-gyp rebuild`) is
 * wanted: n8n needs it for SQLite. The others stay off, as `npm install --ignore-scripts` left
 * them: native add-ons of features the tests do not use (Kafka, Oracle, Sentry profiling, ssh2's
 * optional cpu-features, isolated-vm, msgpackr's optional speed-up), a file watcher for dev
 * servers, and postinstall steps that report usage (@scarf/scarf), download a native binary
 * (agent-browser), check version schemes (protobufjs) or pick a Vue build (vue-demi; n8n's
 * editor ships prebuilt). With every package covered, the
 * rebuild prints no "install scripts not yet covered by allowScripts" notice; once npm blocks
 * unreviewed scripts, `sqlite3: true` is what lets the rebuild compile.
 */
const ALLOW_SCRIPTS: Record<string, boolean> = {
	sqlite3: true,
	'@confluentinc/kafka-javascript': false,
	'@parcel/watcher': false,
	'@scarf/scarf': false,
	'@sentry/node-cpu-profiler': false,
	'@sentry/node-native-stacktrace': false,
	'agent-browser': false,
	'cpu-features': false,
	'isolated-vm': false,
	'msgpackr-extract': false,
	oracledb: false,
	protobufjs: false,
	ssh2: false,
	'vue-demi': false,
};

export function writeHostPackageJson(dir: string): void {
	fs.writeFileSync(
		path.join(dir, 'package.json'),
		JSON.stringify(
			{
				name: 'n8n-e2e-host',
				private: true,
				description: 'Holds a real n8n for the end-to-end tests of n8n-nodes-roboflow-video',
				dependencies: { n8n: N8N_VERSION },
				overrides: { linkedom: LINKEDOM_OVERRIDE },
				allowScripts: ALLOW_SCRIPTS,
			},
			null,
			2,
		) + '\n',
	);
}
