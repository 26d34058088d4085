import { errorMessage } from '../src/lib/wire/error-codes.ts';
// npm run test:cluster: the book tests itself the way a learner uses it (docs/cluster-tests.md).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { isScalar, parseDocument, Scalar, type YAMLMap } from 'yaml';
import { loadLabDirs, readPins } from '../src/lib/lab-files.ts';
import { projectRoot } from '../runner/book-build.ts';
import {
  addToRecording,
  catchUpMatrix,
  chapterSteps,
  runChapter,
  runScript,
  type ChapterResult,
  type HarnessContext,
  type MatrixRun,
  samplesUnlike,
  type Recording,
} from './cluster-harness.ts';
import { chooseShell } from '../runner/terminal/shell.ts';
import { installSteps } from '../runner/lab-catalog.ts';
import { ensureWorkspace, labEnvironment, workspaceAt } from '../runner/workspace.ts';

/** Exit codes: 0 all passed, 1 a step failed, 2 bad arguments, 3 tools missing (not a test failure). */
const Exit = { passed: 0, failed: 1, usage: 2, missingTools: 3 } as const;

const usage = `Usage: npm run test:cluster -- [options]
  --from <slug>      start at this chapter, through its prepare
  --only <slug>      run only this chapter, through its prepare
  --keep             keep the cluster afterwards
  --prepare-only     prove each chapter's prepare from nothing (the cluster is deleted before each)
  --matrix           the Catch-up matrix: every chapter caught up from a fresh machine, from the
                     end of the chapter before it and from the end of the --matrix-from chapters,
                     then played (cells and checks in order)
  --matrix-from <a,b>  the chapters whose end each chapter is also caught up from (ambient,egress)
  --record           write each cell's real output back into its lab as sample output, and every
                     cell's and check's output into recorded-outputs.json beside the labs
  --report <file>    also write the tables to this file (Markdown)
  --labs <dir>       another folder of labs (the tests' fixtures); needs no cluster
  --docs <dir>       the chapters that place those labs' cells and checks
  --reset <script>   with --labs: what "nothing" means before each prepare-only run`;

function fail(code: number, message: string): never {
  console.error(message);
  process.exit(code);
}

let args;
try {
  args = parseArgs({
    options: {
      from: { type: 'string' },
      only: { type: 'string' },
      keep: { type: 'boolean', default: false },
      'prepare-only': { type: 'boolean', default: false },
      record: { type: 'boolean', default: false },
      matrix: { type: 'boolean', default: false },
      'matrix-from': { type: 'string' },
      report: { type: 'string' },
      labs: { type: 'string' },
      docs: { type: 'string' },
      reset: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  }).values;
} catch (error) {
  fail(Exit.usage, `${errorMessage(error)}\n\n${usage}`);
}
if (args.help) fail(Exit.passed, usage);

const bookMode = args.labs === undefined;
const labsDir = bookMode ? join(projectRoot, 'content/labs') : resolve(args.labs ?? '');
const docsDir = bookMode
  ? join(projectRoot, 'src/content/docs/en')
  : args.docs && resolve(args.docs);
const pins = readPins(join(projectRoot, 'content/versions.yaml'));

// Docker, kind and kubectl are the book's own prerequisites: without them there is nothing to test.
if (bookMode) {
  const probes: Array<[string, string[], string]> = [
    ['docker', ['info', '--format', '{{.ServerVersion}}'], 'Docker with a running daemon'],
    ['kind', ['version'], `kind (${pins.kind ?? 'the pinned version'})`],
    ['kubectl', ['version', '--client'], 'kubectl'],
  ];
  const missing = probes.filter(([command, probe]) => {
    try {
      execFileSync(command, probe, { stdio: 'ignore', timeout: 15_000 });
      return false;
    } catch {
      // Not installed or not answering: listed below.
      return true;
    }
  });
  if (missing.length > 0) {
    fail(
      Exit.missingTools,
      `test:cluster cannot run here: missing ${missing.map(([, , what]) => what).join(', ')}. Install them (see the "cluster" chapter) and run it again.`,
    );
  }
}

const labs = [...loadLabDirs([labsDir], pins)].sort(([, a], [, b]) => a.order - b.order);
const slugs = labs.map(([slug]) => slug);
for (const name of [args.from, args.only]) {
  if (name !== undefined && !slugs.includes(name))
    fail(Exit.usage, `There is no chapter "${name}": use one of ${slugs.join(', ')}`);
}
const ends = (args['matrix-from'] ?? (bookMode ? 'ambient,egress' : ''))
  .split(',')
  .map((name) => name.trim())
  .filter(Boolean);
for (const name of ends)
  if (!slugs.includes(name))
    fail(
      Exit.usage,
      `--matrix-from: there is no chapter "${name}": use one of ${slugs.join(', ')}`,
    );
if (args.matrix && args['prepare-only'])
  fail(Exit.usage, '--matrix and --prepare-only are two different runs: choose one.');
const startAt = args.only ?? args.from;
const chosen = labs.filter(([slug], index) =>
  args.only ? slug === args.only : index >= (startAt ? slugs.indexOf(startAt) : 0),
);

const shell = chooseShell();
if ('problem' in shell) fail(Exit.missingTools, shell.problem);
const workspace = workspaceAt(
  process.env.ISTIO_LAB_HOME || mkdtempSync(join(tmpdir(), 'istio-lab-cluster-')),
);
ensureWorkspace(workspace);
installSteps(projectRoot, workspace, pins);
const context: HarnessContext = {
  env: labEnvironment(workspace),
  cwd: workspace.root,
  shell,
  labs: new Map(labs),
  onStep: (slug, step) =>
    console.log(
      `  ${step.ok ? '✔' : '✘'} ${slug} ${step.kind} ${step.id}: ${step.detail} (${seconds(step.ms)})`,
    ),
};
const resetScript =
  args.reset ??
  (bookMode
    ? `kind delete cluster --name ${pins.clusterName ?? 'istio-lab'} --kubeconfig "$KUBECONFIG"`
    : undefined);

const results: ChapterResult[] = [];
const matrixResults: { run: MatrixRun; setup: ChapterResult[]; result: ChapterResult }[] = [];
const lab = (slug: string) => {
  const found = labs.find(([name]) => name === slug)?.[1];
  if (!found) throw new Error(`no lab ${slug}`);
  return found;
};
if (args.matrix) {
  // Every chapter chosen, each from every start: the cluster is reset before each run.
  const runs = catchUpMatrix(slugs, ends).filter((run) =>
    chosen.some(([slug]) => slug === run.chapter),
  );
  for (const run of runs) {
    console.log(`== ${run.chapter}, caught up from ${startText(run)}`);
    if (resetScript) await runScript(resetScript, context);
    const setup: ChapterResult[] = [];
    for (const slug of run.setup)
      setup.push(
        await runChapter(slug, lab(slug), chapterSteps(slug, lab(slug), docsDir), context, true),
      );
    const result = await runChapter(
      run.chapter,
      lab(run.chapter),
      chapterSteps(run.chapter, lab(run.chapter), docsDir),
      context,
      true,
    );
    matrixResults.push({ run, setup, result });
    results.push(...setup, result);
  }
} else {
  for (const [index, [slug, chapterLab]] of chosen.entries()) {
    console.log(`== ${slug}`);
    if (args['prepare-only']) {
      if (resetScript) await runScript(resetScript, context);
      results.push(await runChapter(slug, chapterLab, [], context, true));
    } else {
      results.push(
        await runChapter(
          slug,
          chapterLab,
          chapterSteps(slug, chapterLab, docsDir),
          context,
          index === 0,
        ),
      );
    }
  }
}
if (bookMode && !args.keep && resetScript) await runScript(resetScript, context);

const report = args.matrix
  ? [
      matrixTable(),
      ...matrixResults.filter(({ result }) => !passed(result)).map(({ result }) => table(result)),
    ].join('\n\n')
  : results.map(table).join('\n\n');
const unlike = args.record ? undefined : samplesTable();
console.log(`\n${report}`);
if (unlike) console.log(`\n${unlike}`);
if (args.report)
  writeFileSync(
    args.report,
    `# Istio Lab Book on kind\n\n${[report, unlike].filter(Boolean).join('\n\n')}\n`,
  );
if (args.record) record(results);
const failed = args.matrix
  ? matrixResults.some(({ result }) => !passed(result))
  : results.some((chapter) => !passed(chapter));
process.exit(failed ? Exit.failed : Exit.passed);

function passed(chapter: ChapterResult): boolean {
  return chapter.prepared && chapter.steps.every((step) => step.ok);
}

function startText(run: MatrixRun): string {
  return run.start === 'fresh' ? 'a fresh machine' : `the end of ${run.start}`;
}

/** The matrix as one table: each chapter from each start, whether Catch up and the chapter held. */
function matrixTable(): string {
  const lines = [
    `Catch-up matrix: ${matrixResults.filter(({ result }) => passed(result)).length}/${matrixResults.length} runs passed`,
    '',
    '| chapter | caught up from | catch up | checks passed |',
    '| --- | --- | --- | --- |',
  ];
  for (const { run, setup, result } of matrixResults) {
    const checks = result.steps.filter((step) => step.kind === 'check');
    const setupFailed = setup.some((chapter) => !passed(chapter));
    lines.push(
      `| ${passed(result) ? '✔' : '✘'} ${run.chapter} | ${startText(run)}${setupFailed ? ' (not reached)' : ''} | ${result.prepared ? 'ok' : 'FAILED'} | ${checks.filter((check) => check.ok).length}/${checks.length} |`,
    );
  }
  return lines.join('\n');
}

/**
 * The sample outputs whose first line no longer looks like what this run printed (a --record run
 * writes the real outputs over them instead), or nothing when every sample still looks right.
 */
function samplesTable(): string | undefined {
  const real: Recording = { recordedWith: {}, date: '', cells: {}, checks: {} };
  addToRecording(real, results);
  const lines = samplesUnlike(new Map(labs), real);
  if (lines.length === 0) return undefined;
  return [
    `Sample outputs unlike this run (${lines.length}): run with --record to write the real ones`,
    '',
    ...lines.map((line) => `- ${line}`),
  ].join('\n');
}

function seconds(ms: number): string {
  return ms < 60_000
    ? `${(ms / 1000).toFixed(1)}s`
    : `${Math.floor(ms / 60_000)}m ${Math.round((ms % 60_000) / 1000)}s`;
}

/** One chapter as a table: cells run, checks passed, time, and for a failure its reason and output tail. */
function table(chapter: ChapterResult): string {
  const cells = chapter.steps.filter((step) => step.kind === 'cell');
  const checks = chapter.steps.filter((step) => step.kind === 'check');
  const lines = [
    `${chapter.slug}: ${cells.length} cells run, ${checks.filter((check) => check.ok).length}/${checks.length} checks passed, ${seconds(chapter.ms)}${chapter.prepared ? '' : ' — prepare FAILED'}`,
    '',
    '| step | result | time |',
    '| --- | --- | --- |',
    ...chapter.steps.map(
      (step) =>
        `| ${step.ok ? '✔' : '✘'} ${step.kind} ${step.id} | ${step.detail} | ${seconds(step.ms)} |`,
    ),
  ];
  for (const step of chapter.steps.filter((s) => !s.ok)) {
    lines.push(
      '',
      `✘ ${step.kind} ${step.id}: ${step.reason ?? step.detail}`,
      '```',
      (step.output ?? '').trimEnd().split('\n').slice(-15).join('\n'),
      '```',
    );
  }
  if (!chapter.prepared)
    lines.push(
      '',
      'prepare failed:',
      '```',
      (chapter.prepareOutput ?? '').trimEnd().split('\n').slice(-15).join('\n'),
      '```',
    );
  return lines.join('\n');
}

/**
 * Writes each passing cell's real output into its lab, with a comment saying what produced it,
 * and every passing cell's and check's output into recorded-outputs.json beside the labs, with
 * the versions it ran against (docs/cluster-tests.md).
 */
function record(chapters: ChapterResult[]): void {
  const recording: Recording = {
    recordedWith: {
      istio: pins.istio ?? '',
      kind: pins.kind ?? '',
      kindNodeImage: pins.kindNodeImage ?? '',
    },
    date: new Date().toISOString().slice(0, 10),
    cells: {},
    checks: {},
  };
  addToRecording(recording, chapters);
  const recordingFile = join(labsDir, 'recorded-outputs.json');
  writeFileSync(recordingFile, `${JSON.stringify(recording, null, 2)}\n`);
  console.log(`recorded ${recordingFile}`);
  const stamp = ` recorded with Istio ${pins.istio}, kind ${pins.kind}, ${pins.kindNodeImage}, on ${new Date().toISOString().slice(0, 10)}`;
  for (const chapter of chapters) {
    const file = join(labsDir, `${chapter.slug}.yaml`);
    const document = parseDocument(readFileSync(file, 'utf8'));
    for (const step of chapter.steps.filter((s) => s.kind === 'cell' && s.ok)) {
      const output = new Scalar(step.output ?? '');
      output.type = Scalar.BLOCK_LITERAL;
      document.setIn(['cells', step.id, 'output'], output);
      // The stamp goes above the key, where a reader of the lab sees it.
      const cell = document.getIn(['cells', step.id], true) as YAMLMap;
      const pair = cell.items.find(
        (item) => (isScalar(item.key) ? item.key.value : item.key) === 'output',
      );
      if (pair) {
        const key = isScalar(pair.key) ? pair.key : new Scalar('output');
        key.commentBefore = stamp;
        pair.key = key;
      }
    }
    writeFileSync(file, document.toString({ lineWidth: 0 }));
    console.log(`recorded ${file}`);
  }
}
