const { task, src, dest, parallel } = require('gulp');

// tsc emits only JavaScript: icons and the codex file (*.node.json) must be copied beside it.
const copyNodeAssets = () => src('nodes/**/*.{png,svg,node.json}').pipe(dest('dist/nodes'));
// The output schemas n8n's editor shows before a run: n8n looks for them in __schema__ beside
// the loaded node file (n8n-core resolveOutputSchemaPath), so in dist/nodes/<Node>/__schema__.
const copyNodeSchemas = () => src('nodes/**/__schema__/**/*.json').pipe(dest('dist/nodes'));
const copyCredentialAssets = () =>
	src('credentials/**/*.{png,svg}', { allowEmpty: true }).pipe(dest('dist/credentials'));

task('build:icons', parallel(copyNodeAssets, copyNodeSchemas, copyCredentialAssets));
