/**
 * Bundles the editor code (src/editor/index.ts) into resources/editor.js, which Node-RED serves
 * to the forms as resources/@msp-nodes/node-red-connectwise-manage/editor.js, and copies the
 * palette icons from icons/ to nodes/icons/: Node-RED reads a module's icons only from beside
 * its node files.
 */
const fs = require('node:fs');
const path = require('node:path');
const esbuild = require('esbuild');

const root = path.resolve(__dirname, '..');

async function buildEditor() {
  const result = await esbuild.build({
    entryPoints: [path.join(root, 'src', 'editor', 'index.ts')],
    outfile: path.join(root, 'resources', 'editor.js'),
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    minify: true,
    sourcemap: true,
    legalComments: 'none',
    metafile: true,
    logLevel: 'warning',
  });
  const output = Object.entries(result.metafile.outputs).find(([file]) => file.endsWith('.js'));
  const bytes = output ? output[1].bytes : 0;
  console.log(`resources/editor.js: ${(bytes / 1024).toFixed(1)} KiB`);
}

function copyIcons() {
  const from = path.join(root, 'icons');
  const to = path.join(root, 'nodes', 'icons');
  fs.rmSync(to, { recursive: true, force: true });
  fs.cpSync(from, to, { recursive: true });
  console.log(`nodes/icons: ${fs.readdirSync(to).length} icons`);
}

Promise.resolve()
  .then(copyIcons)
  .then(buildEditor)
  .catch((err) => {
    console.error(err.message || err);
    process.exitCode = 1;
  });
