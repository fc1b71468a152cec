const { task, src, dest, parallel } = require('gulp');

// tsc emits only JavaScript: icons and the codex file (*.node.json) must be copied beside it.
const copyNodeAssets = () => src('nodes/**/*.{png,svg,node.json}').pipe(dest('dist/nodes'));
const copyCredentialAssets = () =>
	src('credentials/**/*.{png,svg}', { allowEmpty: true }).pipe(dest('dist/credentials'));

task('build:icons', parallel(copyNodeAssets, copyCredentialAssets));
