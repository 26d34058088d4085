import { classroomSection } from './classroom-report.ts';
import { findings } from './findings.ts';
import { describeMonitor } from './machine.ts';
import { markdownTable, wrap } from './stats.ts';
import { resultRows, resultsTable, type ResultRow } from './report.ts';
import type { Results } from './results.ts';

const preface = `# Performance

\`npm run bench\` measures the book's runner and page on this machine, side by side with
[wetty](https://github.com/butlerx/wetty) (the same xterm.js and node-pty stack, installed by the
bench from the npm registry into a temporary folder: it is not a dependency of the book), and
against the raw limits. It writes this page; the numbers below come from a real run, on the
machine described under it.

Run it with nothing else busy on the machine: \`npm run bench\` (about five minutes; add
\`-- --reps 7\` for more repetitions). It needs Chromium (Playwright's or the system's, as the
end-to-end tests use), the npm registry (to install wetty), and builds \`dist-test\` first if it
is missing or stale. Everything it starts runs on loopback and is stopped at the end; its
temporary folders are removed. These are benchmarks, not tests: \`npm test\` asserts on no time.
The classroom section, a room of learners reporting to one hub, takes one more minute; it can be
measured alone, its section replaced in this page and its results kept with the full run's:
\`npm run bench -- --only classroom\` (with
\`--learners <n>\` and \`--seconds <s>\`; 1,000 and 60 by default). A full run also keeps its
results in \`docs/performance.json\`, from which \`npm run bench -- --render\` writes this page
again, measuring nothing: after a change to the text that explains the numbers.

## What each row measures

- **Throughput, pty → xterm rendered in Chromium**: \`cat\` of a 64 MiB file of 80-column lines,
  then a marker line, typed into each page's terminal; timed in the page from the keystroke to the
  frame after the marker was parsed (or to the parse, if no frame comes within 250 ms). Both pages
  run in the same headless Chromium, with their terminals as they ship (renderer and size below),
  after one unmeasured run of 4 MiB. wetty's page is measured twice: as it ships, and in a
  Chromium with no WebGL, where it falls back to the DOM renderer that ours uses. Each page ends
  with the flood's last lines in its scrollback, as many as it keeps (wetty 1,000, ours 10,000); a
  page that falls behind is sent only those by our runner, not every line (next row).
- **Output our page was sent**: the bytes of the binary WebSocket frames our page received during
  each of those runs, counted by the bench off the wire; the rest of the flood was plain lines that
  would have scrolled out of the page's scrollback, which the runner leaves out for a page that is
  behind (\`runner/terminal/page-stream.ts\`).
- **Throughput, pty → socket, no browser**: the same, read by a client in Node over each server's
  own socket (our WebSocket; wetty's socket.io), acknowledging output on arrival as each page does.
- **Raw node-pty read**: the same command in a bash in a pty read by node-pty, bytes discarded:
  what no server can beat.
- **Ctrl-C during \`yes\`**: \`yes\` runs in the page's terminal for a few seconds, then Ctrl-C;
  timed until the cursor line is a prompt again, from the moment the bench hands the keystroke to
  the page (a busy page takes it late, and that wait counts). By then the socket clients'
  terminals have ended (after their echo is measured): each server has one terminal, the page's,
  whose screen the throughput runs filled. Meanwhile the server's RSS and the page's JS heap are
  sampled every 250 ms. After one unmeasured flood, memory is bounded when the
  peak of the last flood is at most 16 MiB above that of the first (our runner keeps every
  terminal's screen and 10,000 lines of scrollback in a headless xterm, so its level is higher
  than wetty's, which keeps none).
- **Eight terminals flooding at once**: on a server of each system started for it alone, and
  stopped after (what its floods leave would otherwise stay in the server measured with one
  session below), eight socket clients each open one (our runner allows eight) and \`cat\` a 16 MiB file of the
  same lines at the same time, acknowledging on arrival; the server's RSS is sampled every 250 ms
  from before the floods until 10 s after the last of them ended. The peak, the RSS at the end,
  and when it was first back at or under 200 MiB. Each of our terminals keeps its screen and
  10,000 lines of scrollback; wetty's keep none.
- **What the memory measures save** (\`bench/memory-measures.ts\`): our runner tunes V8 and glibc
  malloc to keep less (\`runner/memory.js\`), all behind one switch, \`ISTIO_LAB_MEMORY\`: lean by
  default, plain with none of them. The eight floods are run again against a runner started plain,
  and one started plain with malloc's settings alone in its environment. In processes of their own
  (\`bench/memory-probe.ts\`), each way: the main thread's young generation after a churn of
  short-lived Buffers; the screens' worker's heap after three serializations of a full 120×30
  screen with 10,000 lines of scrollback, and with that screen asleep as its serialized copy.
- **Keystroke echo**: at an idle prompt, \`a\` and Backspace in turn; each timed from the keystroke
  entering the terminal to its echo parsed by the page's xterm (or arriving at the socket client).
  In the page, 200 keys in every repetition, once each server is idle after its Ctrl-C run; over
  the socket, 200 keys before the Ctrl-C runs.
- **Check overhead**: \`POST /api/checks/bench/true\` (bench/labs/bench.yaml, a check of \`true\`)
  against \`bash -c true\` spawned the same way (own process group, piped output) by the bench;
  the overhead is the difference of the medians.
- **Screen restore**: 12,000 lines written to the terminal; then, each time, a new line printed
  and the page reloaded, in turn a second after the line (and the runner idle: a learner's pause)
  and at once; timed from the page opening its WebSocket to the dock's rows showing the new line
  again. The whole reload (navigation start to restored) is the reference.
- **Page JS**: every script a page runs, dynamic imports included (also those made once the page
  is idle, such as Starlight's search UI), each gzipped at level 6, plus its inline scripts;
  loaded in a fresh browser context with an empty cache.
- **Build and start**: \`astro build\` of the published book into a temporary folder; each server
  spawned until it first answers (\`/api/health\` for the runner, the page for wetty).

Medians, with the range of the repetitions in brackets; echo and check latencies pool every
sample. Ratios compare medians.`;

const changes = `## What these measurements changed

The first runs of this bench, on the machine above and with the same harness, found the check
overhead and the screen restore over their targets, our page at half the throughput of wetty's
drawn with the same renderer, and the runner's socket at 37% of a raw pty read. The runner and the
dock were changed as follows.

- **Output in batches** (\`runner/terminal/session.ts\`). The pty hands output over 4 KiB per read, one
  read per event-loop turn, and each read became a WebSocket frame and an xterm write in the page:
  6.6 MiB/s through the page, half of what wetty's page reached with the same renderer. Output is
  now gathered for up to 2 ms once it is streaming (at once after a quiet spell, so an echo is not
  delayed) into frames of up to 64 KiB; a cell's messages still follow the output before them.
- **Checks answer before the sweep** (\`runner/checks/checks.ts\`). After a check's bash exited, pgrep was
  forked synchronously to find what it left in its session, which held every answer: 15.5 ms of
  overhead over a bare \`bash -c true\`. The group is still killed at once; the rest of the session
  is swept right after the answer, or after 50 ms if something still holds the check's pipes.
- **The screen kept when a page leaves** (\`runner/terminal/session.ts\`). Serializing 10,000 lines takes
  about 100 ms; a reload waited for it (294 ms restore, 132 ms of it before the screen message).
  When a page detaches, the screen is serialized while the next page loads, and sent as is unless
  output or a resize came in between.
- **The dock's terminal opened after its first screen** (\`src/client/dock.ts\`,
  \`src/client/terminal-connection.ts\`). With the screen kept, a restore still took 220–275 ms,
  most of it in the page: an open terminal scrolls its viewport and schedules scrollbar updates
  for every one of the 10,000 lines replayed. Written into a terminal not yet opened, the same
  screen parsed in 40 ms instead of 95 in a warm page; the dock now sizes itself with a
  throwaway terminal, writes the first screen, then opens.
- **The kept screen parsed in a worker thread, and late** (\`runner/screen/host.ts\`,
  \`runner/screen/backlog.ts\`, \`runner/screen/worker.js\`). The runner parsed every byte into
  its headless xterm on its only thread: more than half of its busy time in a flood, and the
  socket at 37% of the raw read. A worker thread alone did not help: xterm's parser reads about
  48 MiB/s on a core of its own here, less than the raw read, and the pty waited for it. The
  screens now live in one worker thread and output reaches them late (after half a second of
  quiet, when a page attaches or resizes, or when 4 MiB have gathered). Before that, whole lines
  of plain text that at least the scrollback and twice the rows of plain lines follow are
  dropped: they would scroll out of reach anyway, and the restored screen is the same (the unit
  tests feed screens both ways and compare them). In the run that followed, the socket went
  from 37% to 62% of the raw read, and our page from 0.73× to 0.84× of wetty's drawn with the
  same renderer.
- **The screen serialized ahead** (\`runner/screen/host.ts\`, \`runner/screen/worker.js\`). In that
  same run, a restore took 263 ms: the screen message came after 148 ms instead of 51, because
  the worker first parsed the output still waiting and then serialized, on the cores the browser
  was using to load the page. Now, once output has been quiet for half a second, the worker
  parses it, serializes the screen and keeps that copy until the next output or resize; a page
  leaving asks for the same. An attach with nothing new since is answered from the copy. The
  bench now prints a new line before each reload, and reloads both a second after it and at
  once; in the run that followed, 146 ms and 199 ms. Serializing also leaves the worker's heap
  larger: the runner's RSS during the floods went from about 210 to about 410 MiB, level from
  the first flood to the last. Before, the bench's flood screens were never serialized, but a
  learner's were, at every reload or chapter opened.
- **The worker gives its memory back** (\`runner/screen/host.ts\`, \`runner/screen/worker.js\`).
  Each serialization of a full screen grew the worker's heap by 80–90 MiB, and V8 kept it: alone,
  12,000 coloured lines serialized four times took the runner from 129 to 297 MiB. The worker now
  has a 4 MiB young generation and runs a full collection after each serialization and once a flood
  has been parsed; the same four serializations stay at about 170 MiB, as fast. In the bench the
  runner went from about 478 to about 280–295 MiB, on a slower machine than the earlier runs.
- **Less memory kept after floods** (\`runner/screen/worker.js\`, \`runner/memory.ts\`). A profile
  of the runner after 64 MiB streamed three times through two sessions found 336 MiB, of which
  little was live. The worker is now plain JavaScript (a worker that loads TypeScript loads
  Node's type stripper into its own isolate: 17 MiB); the copy it serializes ahead is kept in one
  piece, not as the tree of strings the serializer appended (11 MiB a screen); it collects with
  V8's memory-reducing flavour, which also gives back the pages a plain collection keeps pooled
  (20–35 MiB); and the main thread keeps its young generation at its first size instead of
  letting floods grow it to 32 MiB (30–35 MiB, with what malloc kept of the Buffers it held).
  The same run now ends at about 205 MiB, at the same throughput within the runs' spread.
- **An adaptive flow-control window** (\`src/lib/wire/flow-limits.ts\`, \`runner/terminal/flow-control.ts\`).
  A 1 MiB streaming window took our page from 0.84× to 0.92× of wetty's with the same renderer, but
  Ctrl-C to 308 ms on this machine; the window is now 512 KiB while output streams and 256 KiB from
  a key on, and a key pauses the pty at once when more is in flight (Ctrl-C 139 ms in the run that followed).
- **WebGL where there is a GPU** (\`src/client/renderer.ts\`). The dock draws with xterm's WebGL addon
  where WebGL runs in hardware and with the DOM renderer otherwise, after a failure or a lost
  context; both are measured above, WebGL only in SwiftShader here.
- **The visible rows first** (\`runner/terminal/session.ts\`, \`src/client/terminal-connection.ts\`,
  \`src/client/lab-dock.ts\`). The restore had grown to 302 ms. A CPU profile of the reload found
  most of the page's part in xterm building a line for each of the 10,000 lines replayed: each is
  an array buffer of its own, and a page just loaded allocated them at 10–20 µs each, 150–200 ms
  in all. A screen with a long scrollback is now preceded by a message with its visible rows
  alone; the terminal that measured the dock's size, which was thrown away, now stays in the box
  and draws them, and the dock's own terminal is written the whole screen after that frame and
  opens in its place. The dock also asks for a WebGL context only after its first frame (16–25 ms
  that were before it). In probe runs of the bench's restore on this machine, before and after the
  change, the median went from about 320 ms to about 200 ms.
- **A runner started lighter** (\`runner/start.js\`, \`runner/memory.js\`,
  \`runner/stripped-sources.js\`). The runner kept 204 MiB after the memory profile's floods. Two
  things were still outside its code: malloc kept what the floods had freed, in an arena for each
  thread, and Node's type stripper, loaded in the main thread for the runner's TypeScript, stayed
  there. \`npm start\` now runs start.js, which starts the process again with glibc malloc's
  settings in its environment (two arenas; blocks of 128 KiB and more mapped on their own; the top
  of a heap given back above 256 KiB) and loads the runner's files with their types stripped by a
  process of its own, kept on disk until a file changes. The same run ends at 153–158 MiB; the
  runner answers about 150 ms sooner after it starts.
- **A page that is behind is sent the end of a flood** (\`runner/terminal/page-stream.ts\`). With
  both pages on the DOM renderer ours stayed at 0.82–0.87× of wetty's: both spend their time in
  xterm's parser and renderer, for every line of the flood, and a larger window, CSS containment
  of the terminal or resuming sooner after an acknowledgement each changed nothing outside the
  runs' spread. The runner now stops sending at the window, as before, but goes on reading the pty
  instead of pausing it, and leaves out of what waits the plain lines that at least the page's
  scrollback and twice its rows of plain lines follow: the rule the kept screen already used, so
  that the page ends with the same screen and scrollback as if it had drawn every line (unit tests
  compare the two with a headless xterm; an end-to-end test checks the scrollback in Chromium).
  The pty is paused only when more than 2 MiB still wait (colour on every line, very long lines).
  In alternating probe runs of a 64 MiB flood, our page went from 1.0× to 3.3× of wetty's with
  the same renderer.
- **The main thread collects after a flood** (\`runner/memory.js\`, \`runner/terminal/session.ts\`).
  Once output has stopped for a second after 8 MiB or more, the main thread runs V8's
  memory-reducing collection, as the worker already did after parsing: V8 kept the pages of the
  flood's dead Buffers pooled. In the memory probe (two sessions, three floods each, then one
  session under \`yes\`), the runner held 146–147 MiB idle instead of 155–156.
- **The hub collects while a room reports** (\`runner/memory.js\`, \`runner/classroom/hub.ts\`).
  The classroom's hub grew by 40–50 MiB from the first half of the minute to the second, over its
  bound: every burst of reports writes the whole table to the state file and to each open table
  as JSON, and V8 let the dead strings' pages pile up (with a collection every 1.5 s, in a probe,
  it grew by 7 MiB). The hub now runs the same memory-reducing collection at most every 2 s while
  reports come in. In \`--only classroom\` runs, 95 → 136 MiB before became 93–95 → 102–104 MiB,
  for 2–3% more of a core and a p99 delay 10–20 ms longer; every 5 s, it grew by 12–20 MiB.
  The change that moved the hub's room into SQLite took that collection out: the hub no longer
  runs it, and the classroom rows measure the hub as it is now.
- **The echo, in every repetition** (\`bench/terminals.ts\`, \`bench/machine.ts\`). The page's echo
  was measured once, 200 keys after all the Ctrl-C runs, so its p99 was the second slowest key of
  one second of the run; over the runs of December it went from 6.0 to 10.2–12.4 ms. A
  \`perf sched\` profile found the slow keys every 540 ms, each when the kernel's DAMON thread
  (a memory monitor of this virtual machine, sampling all physical memory every 500 ms) held one
  of the two cores for 11–19 ms. In alternating probe runs, the book that had measured 6.0 ms
  (40e00ad) gave p99s of 9.4–11.0 ms, and 06ff418 6.8–8.1. The page's echo is now measured in
  every repetition, the systems taking turns, and the machine's table names such a monitor and
  the CPU it took during the run. The restore row moved as much between three full runs of the same
  code (169, 251 and 230 ms); alternating probe runs of the restore a second after the output,
  seven reloads each, gave medians of 141–171 ms for 40e00ad and 139–154 ms for fd97800.
- **A sleeping screen takes output after its copy** (\`runner/screen/worker.js\`). Since quiet
  screens let their headless xterm go, the restore at once after the last output had grown from
  159 to 387 ms: the line of output printed before the reload woke the screen, and the worker
  parsed its whole copy again (100–220 ms for 12,000 lines), then serialized it again when the
  page left (220–340 ms), and the next page's screen waited for both. Output to a sleeping screen
  is now kept after the copy as it came, up to 64 KiB, and a page gets the copy and those bytes.
  In probe runs of the bench's restore, five reloads each, the median at once went from 440 to
  106 ms, and a second after the output it stayed at 84–123 ms.
- **The hub makes rows only for learners that changed** (\`runner/classroom/hub/learners.ts\`,
  \`runner/classroom/hub/view.ts\`, \`runner/classroom/hub/live.ts\`). Each push to the table, a few
  times a second in a room of a thousand, made every learner's summary and row again, each row's
  JSON twice, and a key string for every verdict counted; the hub's RSS climbed in steps over the
  room (180 → 206 MiB from the first half of the minute to the second). Summaries and rows are now
  kept until their learner reports again or the minutes shown move, and the live table compares
  rows field by field: 151 → 149 and 162 → 163 MiB in two rooms of 60 s alone, 149 → 146,
  171 → 172 and 165 → 176 MiB in three full runs, 149 → 154 MiB over 180 s, and the hub at 15–19%
  of a core instead of 20–22%.
- **Eight terminals on servers of their own** (\`bench/run.ts\`). The eight flooding terminals ran
  first on the runner that the rows of one session then measured, and what malloc kept of eight
  floods stayed in it: in full runs of the same day, the runner idle between floods measured
  153–155 MiB, where fd97800, whose bench had no such phase, measured 146, while alternating
  probes of that phase alone gave 132–135 MiB for the newer runner and 137–138 for fd97800. The
  eight floods now run on a server of each system started for them and stopped after.`;

function machineTable(results: Results): string {
  const { machine } = results;
  const wetty = 'runs' in results.wetty ? results.wetty.version : `not run: ${results.wetty.error}`;
  return markdownTable(
    ['', ''],
    [
      ['CPU', `${machine.cpu}, ${machine.cores} cores`],
      ['Memory', machine.memory],
      ['OS', machine.os],
      ['Node', machine.node],
      ['Chromium', `${results.chromium} (headless)`],
      ['wetty', wetty],
      ['Book', results.commit],
      ['Run', `${results.date}, ${results.repetitions} repetitions`],
      ['Load before measuring', `${results.load.toFixed(2)} (1-minute average)`],
      ...(machine.memoryMonitors ?? []).map((monitor) => [
        "Kernel's memory monitor",
        describeMonitor(monitor),
      ]),
    ],
  );
}

function missedSection(rows: readonly ResultRow[], results: Results): string {
  const missed = rows.filter((row) => row.met === false);
  if (missed.length === 0) return '## Targets\n\nEvery target was met in this run.';
  const items = missed.map((row) =>
    wrap(
      `- **${row.measure}** (${row.target}; measured ${row.ours}): ` +
        (findings[row.key]?.(results) ?? 'not yet investigated.'),
      '  ',
    ),
  );
  return `## Targets missed and why\n\n${items.join('\n')}`;
}

/** The classroom's section: the room measured apart if there is one, else the run's own. */
function roomSection(results: Results): string[] {
  const apart = results.classroomApart;
  if (apart) return [classroomSection(apart.run, apart.measured)];
  return results.classroom
    ? [classroomSection(results.classroom, 'Measured in the same run.')]
    : [];
}

/** The whole of docs/performance.md (before Prettier). */
export function performanceDocument(results: Results): string {
  const rows = resultRows(results);
  const wetty = 'runs' in results.wetty ? results.wetty : undefined;
  const terminals = [
    `Terminals in the page: ours ${results.ours.terminal}`,
    wetty ? `; wetty ${wetty.runs.terminal}` : '',
    wetty?.dom ? `, or ${wetty.dom.terminal} with no WebGL` : '',
    '. ',
    wetty
      ? "wetty draws with xterm's WebGL addon where WebGL is available; Chromium started with " +
        '`--disable-gpu`, as the end-to-end tests start it, runs WebGL in SwiftShader, on the ' +
        "CPU, which is why wetty's page is also measured with the DOM renderer that ours uses."
      : '',
  ].join('');
  return [
    preface,
    '## Machine',
    machineTable(results),
    '## Results',
    resultsTable(rows),
    wrap(terminals),
    missedSection(rows, results),
    ...roomSection(results),
    changes,
    '',
  ].join('\n\n');
}
