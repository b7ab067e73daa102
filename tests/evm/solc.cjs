#!/usr/bin/env node
// A `solc` command line for forge, backed by solc-js (npm `solc`): `--version`, and
// `--standard-json` on stdin with `--base-path` / `--include-path` roots for imports.
// The input is copied into the compiler's heap: solc-js's own `compile` copies it onto
// emscripten's small stack, which overflows for large projects.
'use strict';
const fs = require('fs');
const path = require('path');
const solc = require('solc');

const args = process.argv.slice(2);
if (args.includes('--version')) {
  console.log('solc, the solidity compiler commandline interface');
  console.log('Version: ' + solc.version());
  process.exit(0);
}
const roots = [process.cwd()];
args.forEach((arg, i) => {
  if (arg === '--base-path' || arg === '--include-path') roots.push(path.resolve(args[i + 1]));
});

function findImport(file) {
  for (const root of roots) {
    const candidate = path.resolve(root, file);
    if (fs.existsSync(candidate)) return { contents: fs.readFileSync(candidate, 'utf8') };
  }
  return { error: 'File not found: ' + file };
}

const soljson = require('solc/soljson.js');
const compile = soljson.cwrap('solidity_compile', 'string', ['number', 'number', 'number']);
const alloc = soljson.cwrap('solidity_alloc', 'number', ['number']);

/** Copies `text` into a buffer the compiler owns and stores its address at `out`. */
function give(text, out) {
  const size = soljson.lengthBytesUTF8(text) + 1;
  const buffer = alloc(size);
  soljson.stringToUTF8(text, buffer, size);
  soljson.setValue(out, buffer, '*');
}

// Imports: (context, kind, data, out contents, out error), as solc-js wires it.
const callback = soljson.addFunction((context, kind, data, contents, error) => {
  if (soljson.UTF8ToString(kind) !== 'source') return give('unsupported callback', error);
  const result = findImport(soljson.UTF8ToString(data));
  if (result.contents !== undefined) give(result.contents, contents);
  else give(result.error, error);
}, 'viiiii');

const input = fs.readFileSync(0, 'utf8');
const size = soljson.lengthBytesUTF8(input) + 1;
const pointer = soljson._malloc(size);
soljson.stringToUTF8(input, pointer, size);
process.stdout.write(compile(pointer, callback, 0));
