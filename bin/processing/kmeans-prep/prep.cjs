'use strict';
/**
 * Drops the label column of CSV records: the K-Means training job of the reference app clusters
 * the features alone. Streams line by line, so inputs larger than memory work; skips empty lines;
 * refuses a record whose field count differs from the first record's (a truncated or corrupt file).
 *
 * Usage (SageMaker processing): node prep.cjs [--label-column N] [--input DIR] [--output DIR]
 */
const fs = require('node:fs');
const path = require('node:path');
const readline = require('node:readline');

/** The record without the field at labelColumn, or undefined for an empty line. */
function dropColumn(line, labelColumn) {
  const trimmed = line.replace(/\r$/, '');
  if (trimmed.trim() === '') return undefined;
  const fields = trimmed.split(',');
  if (labelColumn >= fields.length) throw new Error(`a record has ${fields.length} fields, no column ${labelColumn}`);
  fields.splice(labelColumn, 1);
  return fields;
}

/** Writes every CSV file under inputDir, label dropped, to outputDir/train.csv; returns the record count. */
async function prepare(inputDir, outputDir, labelColumn = 0) {
  const files = fs.readdirSync(inputDir, { recursive: true })
    .map((name) => path.join(inputDir, String(name)))
    .filter((file) => fs.statSync(file).isFile() && file.endsWith('.csv'))
    .sort();
  if (files.length === 0) throw new Error(`no .csv file under ${inputDir}`);
  fs.mkdirSync(outputDir, { recursive: true });
  const out = fs.createWriteStream(path.join(outputDir, 'train.csv'));
  let records = 0;
  let width;
  for (const file of files) {
    const lines = readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity });
    let lineNumber = 0;
    for await (const line of lines) {
      lineNumber++;
      const fields = dropColumn(line, labelColumn);
      if (!fields) continue;
      width ??= fields.length;
      if (fields.length !== width) throw new Error(`${file}:${lineNumber}: ${fields.length + 1} fields, expected ${width + 1}`);
      if (!out.write(`${fields.join(',')}\n`)) await new Promise((resolve) => out.once('drain', resolve));
      records++;
    }
  }
  await new Promise((resolve, reject) => out.end((error) => error ? reject(error) : resolve()));
  return records;
}

function argument(name, fallback) {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 && process.argv[at + 1] !== undefined ? process.argv[at + 1] : fallback;
}

if (require.main === module) {
  const input = argument('input', '/opt/ml/processing/input/raw');
  const output = argument('output', '/opt/ml/processing/output/train');
  const labelColumn = Number(argument('label-column', '0'));
  prepare(input, output, labelColumn).then((records) => {
    console.log(JSON.stringify({ level: 'info', what: 'prepared', records, output }));
  }, (error) => {
    console.error(error.message);
    process.exit(1);
  });
}

module.exports = { dropColumn, prepare };
