import { ErrorCode } from './wire/error-codes.ts';

/**
 * Every UI string the book adds to Starlight's, declared once with what it is for. Each key has a
 * value in src/content/i18n/<lang>.json for every locale (a unit test holds that). Placeholders
 * are written {{name}}.
 */
export const uiStrings = {
  'lab.cell.copy': 'Button: copy the command to the clipboard',
  'lab.cell.copied': 'Shown briefly on the Copy button after copying',
  'lab.cell.copyFailed': 'Shown on the Copy button when the clipboard refused',
  'lab.cell.run': 'Button: run the command in the docked terminal',
  'lab.cell.state.idle': 'Cell state before it ran',
  'lab.cell.state.running': 'Cell state while its command runs',
  'lab.cell.state.ok': 'Cell state after exit 0; {{duration}}',
  'lab.cell.state.failed': 'Cell state after a non-zero exit; {{code}}, {{duration}}',
  'lab.cell.state.failedCommand':
    'Cell state when one of its commands failed; {{command}} is that command, {{code}} its exit code, {{duration}}',
  'lab.cell.state.interrupted': 'Cell state when the command line was cancelled before it ran',
  'lab.cell.sampleOutput': 'Summary of the folded sample output',
  'lab.check.button': 'Button: run the check',
  'lab.check.running': 'Verdict line while the first attempt runs',
  'lab.check.attempt': 'Verdict line while polling; {{attempt}}',
  'lab.check.attemptBecause':
    'Verdict line while polling, with why the last attempt failed (a lab.check.why sentence); {{attempt}}, {{why}}',
  'lab.check.pass': 'Verdict: the step worked',
  'lab.check.fail': 'Verdict: the step has not worked yet',
  'lab.check.error': 'Verdict: the check itself could not run',
  'lab.check.reason': 'Label before the reason the runner gives',
  'lab.check.why.passed': 'Reason of a pass: exit 0 and every expectation held',
  'lab.check.why.exited': "Reason: the check's command exited non-zero; {{code}}",
  'lab.check.why.killed': "Reason: the check's command was killed; {{signal}} (e.g. SIGKILL)",
  'lab.check.why.timedOut': 'Reason: one attempt ran out of time; {{seconds}}',
  'lab.check.why.notStarted':
    "Reason: bash could not be started; {{detail}} is the system's English",
  'lab.check.why.notEquals': 'Reason; {{expected}} and {{got}} are quoted outputs',
  'lab.check.why.notContains': 'Reason; {{text}} is the quoted text that was missing',
  'lab.check.why.contains': 'Reason; {{text}} is the quoted text that should not be there',
  'lab.check.why.notMatches': 'Reason; {{pattern}} is a regular expression',
  'lab.check.cause': "Label before the last meaningful line of a failed check's output",
  'lab.check.lastRun':
    'Verdict line on load, from the saved progress; {{verdict}} is Passed/Failed, {{time}} when it ran',
  'lab.check.notSaved':
    'Check verdict when the runner could not save the result; {{verdict}} is the verdict (Passed, Not yet), {{reason}} why, in English (the disk is full)',
  'lab.hint.missingTool': 'A failure printed "command not found"; {{tool}} is the command',
  'lab.hint.missingTool.link': 'Link to the Doctor page after lab.hint.missingTool',
  'lab.hint.noCluster': 'A failure shows that no Kubernetes API server answered',
  'lab.hint.noCluster.link': 'Link to the cells of the cluster chapter that create the cluster',
  'lab.hint.wrongContext': 'A failure shows a kube context that does not exist; {{context}}',
  'lab.hint.wrongContext.link': "Link to the cluster chapter's Catch up",
  'lab.hint.dockerDown': 'A failure shows that the Docker daemon cannot be reached',
  'lab.hint.dockerDown.link': 'Link to the Doctor page after lab.hint.dockerDown',
  'lab.check.output': 'Summary of the folded output tail',
  'lab.check.byHand': 'Summary of the folded command for running the check by hand',
  'lab.check.expect.exit': 'By-hand rule: the command must exit 0',
  'lab.check.expect.contains': 'By-hand rule; {{text}}',
  'lab.check.expect.notContains': 'By-hand rule; {{text}}',
  'lab.check.expect.equals': 'By-hand rule; {{text}}',
  'lab.check.expect.matches': 'By-hand rule; {{text}} is a regular expression',
  'lab.check.expect.waitUpTo': 'By-hand note on polling; {{seconds}}',
  'lab.runner.absent': 'Banner when no runner answers: how to start one',
  'lab.runner.unpaired': 'Banner when a runner answers but this browser has no token',
  'lab.classroom.full':
    "Banner on a chapter when the learner's runner reports to a classroom hub that is full (--report-to): ask the instructor to make room",
  'lab.classroom.notSaved':
    "Banner on a chapter when the classroom hub the learner's runner reports to cannot save results (503): the runner keeps them and sends them again",
  'lab.runner.source':
    "Read-only banner, before a link to the book's repository: where to get the folder that npm start runs in",
  'lab.home.chapters': "Home page: heading of the list of the book's chapters, in order",
  'lab.runner.tooOld':
    "Banner when the runner is older than the page can work with, before the command that updates it; {{runner}} is the runner's protocol version, {{oldest}} the oldest this page reads",
  'lab.runner.tooNew':
    "Banner when the runner is newer than this (hosted) page, before a link to the same page on the runner; {{runner}} is the runner's protocol version, {{page}} this page's",
  'lab.pairing.otherRunner':
    'Confirm dialog when a pairing link names a runner other than the one this site paired with; {{runner}} is the new address, {{previous}} the one before',
  'lab.runner.hosted':
    'No-runner banner, second part: how a hosted copy pairs with a local runner (a command follows)',
  'lab.dock.title': 'Title of the docked terminal',
  'lab.dock.collapse': 'Button: hide the terminal',
  'lab.dock.expand': 'Button: show the terminal',
  'lab.dock.resize': 'Accessible name of the drag handle that resizes the terminal',
  'lab.dock.screenReader':
    "Toggle button: xterm's screen-reader mode, which keeps the terminal's text readable by a screen reader",
  'lab.dock.connecting': 'Dock status while connecting',
  'lab.dock.connected': 'Dock status when live',
  'lab.dock.reconnecting': 'Dock status after losing the connection; {{seconds}}',
  'lab.dock.takenOver': 'Dock status when another tab took the terminal',
  'lab.dock.takeBack': 'Button: take the terminal back from another tab',
  'lab.dock.ended': 'Dock status when the shell ended',
  'lab.dock.lostOutput':
    "Dim line above a restored terminal whose earlier output the runner lost (its screens' worker ended)",
  'lab.presenter.toggle': 'Header button that turns presenter mode (large type, keys) on and off',
  'lab.presenter.keys': 'Presenter mode: the keys, shown in a corner and as the button tooltip',
  'lab.chapter.catchUp':
    'Button at the top of a chapter: bring the cluster to the chapter start (prepare)',
  'lab.chapter.reset': 'Button at the top of a chapter: undo the chapter (cleanup)',
  'lab.chapter.lastTook': 'Beside Catch up: how long the last catch-up took; {{duration}}',
  'lab.chapter.resetConfirm': 'Reset dialog: the question, before the script it will run',
  'lab.chapter.confirm': 'Reset dialog: the button that resets',
  'lab.chapter.cancel': 'Reset dialog: the button that keeps everything',
  'lab.chapter.readyChecking': "After Catch up's prepare: the readiness checks are running",
  'lab.chapter.readyPassed': 'After Catch up: every readiness check passed',
  'lab.chapter.failedAt':
    'Beside Catch up or Reset when its script failed; {{step}} is the step it stopped at (e.g. "2/4 istioctl <version>"), {{code}} its exit code',
  'lab.chapter.readyFailed':
    'After Catch up: a readiness check failed; {{check}} is its <lab>/<check> id',
  'lab.report.readOnly': 'Progress page without a runner: where progress lives and how to see it',
  'lab.report.reverify': 'Progress page button: run every check that passed once more',
  'lab.report.check': 'Progress page column header: the check',
  'lab.report.status': 'Progress page column header: its latest verdict',
  'lab.report.when': 'Progress page column header: when it last ran and how long it took',
  'lab.report.notRun': 'Progress page status of a check never run',
  'lab.report.drift': 'Progress page status of a check that passed before and fails on re-verify',
  'lab.report.firstPassed': 'Tooltip on the time; {{time}} is the date of the first pass',
  'lab.report.reverifying': 'While re-verifying; {{done}} of {{count}}',
  'lab.report.nothingToVerify': 'Re-verify all when no check has passed yet',
  'lab.report.noDrift': 'After re-verify all, when every check still passes',
  'lab.sidebar.done':
    'Read by screen readers after a finished chapter in the sidebar (shown as a check mark)',
  'lab.quiz.title': 'Heading of an in-page knowledge check',
  'lab.quiz.right': 'Shown after the right answer is chosen',
  'lab.quiz.wrong': 'Shown after a wrong answer is chosen',
  'lab.duration.ms': 'A duration under a second; {{value}}',
  'lab.duration.s': 'A duration in seconds; {{value}}',
  'lab.hub.title': "Instructor hub: the page's title and heading",
  'lab.hub.intro':
    'Instructor hub: under the heading, who appears in the table and what reaches it',
  'lab.hub.empty': 'Instructor hub: shown instead of the summary before any learner joined',
  'lab.hub.language': 'Instructor hub: accessible name of the language switch',
  'lab.hub.live': 'Instructor hub: status when the table updates live',
  'lab.hub.offline': 'Instructor hub: status after the page lost the hub, while it reconnects',
  'lab.hub.signedOut':
    'Instructor hub: shown when the page has no view token (opened without the #token= link)',
  'lab.hub.notSaved.read-only':
    'Instructor hub: alert while the hub cannot save reports because its folder is read-only',
  'lab.hub.notSaved.full':
    'Instructor hub: alert while the hub cannot save reports because the disk is full',
  'lab.hub.notSaved.io-error':
    'Instructor hub: alert while the hub cannot save reports because the disk fails',
  'lab.hub.notSaved.failed':
    'Instructor hub: alert while the hub cannot save reports for another reason',
  'lab.hub.column.name': "Instructor hub: column of learners' display names",
  'lab.hub.name.same':
    'Instructor hub: beside a name that another learner also uses (letter case aside)',
  'lab.hub.name.looksLike':
    "Instructor hub: beside a name that looks like another learner's, with letters of another alphabet",
  'lab.hub.name.mixed':
    'Instructor hub: beside a name that mixes letters of two alphabets in one word',
  'lab.hub.column.chapter':
    "Instructor hub: column of the chapter a learner is on, by its page's title",
  'lab.hub.column.passed': 'Instructor hub: column of how many checks a learner has passed',
  'lab.hub.column.latest': "Instructor hub: column of a learner's latest check and its verdict",
  'lab.hub.column.stuck':
    "Instructor hub: column of how long the learner's latest check has failed, read with the time in it",
  'lab.hub.column.lastSeen': 'Instructor hub: column of when the hub last heard from a learner',
  'lab.hub.status.pass': 'Instructor hub: verdict of the latest check: passed',
  'lab.hub.status.fail': 'Instructor hub: verdict of the latest check: failed',
  'lab.hub.status.error': 'Instructor hub: verdict of the latest check: could not run',
  'lab.hub.latest':
    'Instructor hub: latest check cell; {{status}} is its verdict, {{check}} the first sentence of what the check proves, as its chapter says',
  'lab.hub.stuckUnderMinute':
    'Instructor hub: in the stuck column, the latest check has been failing for less than a minute',
  'lab.hub.seenJustNow': 'Instructor hub: last seen less than a minute ago',
  'lab.hub.sort.label': 'Instructor hub: label of the list that orders the table',
  'lab.hub.sort.stuck':
    'Instructor hub: order of the table: stuck learners first, the longest stuck first',
  'lab.hub.sort.chapter':
    'Instructor hub: order of the table: by the chapter each learner is on, in book order',
  'lab.hub.sort.name': 'Instructor hub: order of the table: by learner name',
  'lab.hub.filter.label':
    "Instructor hub: label of the list that shows one chapter's learners only",
  'lab.hub.filter.all': 'Instructor hub: choice of the chapter list that shows every learner',
  'lab.hub.apply': 'Instructor hub: button that applies the order and the chapter chosen',
  'lab.hub.csv': 'Instructor hub: link that downloads the whole room, every learner, as a CSV file',
  'lab.hub.csv.shown':
    'Instructor hub: link, while one chapter is chosen, that downloads only the learners on that chapter as a CSV file',
  'lab.hub.csv.stuckSince':
    "Instructor hub: CSV column of when a learner's current failing check first failed, in UTC",
  'lab.hub.csv.lastSeenAt':
    'Instructor hub: CSV column of when the hub last heard from a learner, in UTC',
  'lab.hub.csv.chapterId': "Instructor hub: CSV column of the chapter's id, as lab files name it",
  'lab.hub.csv.checkId':
    "Instructor hub: CSV column of the latest check's id (chapter id/check id), as lab files name it",
  'lab.hub.counts.title':
    'Instructor hub: heading of the table that counts, per check, the learners past it',
  'lab.hub.counts.check':
    'Instructor hub: counts table column of the check, by the first sentence of what it proves',
  'lab.hub.counts.past':
    'Instructor hub: counts table column of how many learners passed the check',
  'lab.hub.counts.stuck':
    'Instructor hub: counts table column of how many learners are stuck on the check',
  'lab.doctor.recheck': 'Doctor page: button that runs the checks again',
  'lab.doctor.checking': 'Doctor page: status while the runner looks at the machine',
  'lab.doctor.failed':
    'Doctor page: the runner did not answer; {{reason}} is its error or HTTP status',
  'lab.doctor.allOk': 'Doctor page: summary when every item is OK or skipped',
  'lab.doctor.someWarn': 'Doctor page: summary when some items warn and none fails',
  'lab.doctor.someFail': 'Doctor page: summary when an item fails (names the fail status word)',
  'lab.doctor.status.ok': 'Doctor page: status word of an item that is fine',
  'lab.doctor.status.warn': 'Doctor page: status word of an item that may cause trouble',
  'lab.doctor.status.fail': 'Doctor page: status word of an item that stops the labs',
  'lab.doctor.status.skip': 'Doctor page: status word of an item that does not apply here',
  'lab.doctor.fixLabel': "Doctor page: caption of an item's fix commands",
  'lab.doctor.readOnly': 'Doctor page without a runner: before the npm run doctor command',
  'lab.doctor.startRunner': 'Doctor page without a runner: before the npm start command',
  'lab.doctor.bannerLink': 'Read-only banner on a chapter: link text to the Doctor page',
  'lab.doctor.item.docker': 'Doctor page: name of the docker item',
  'lab.doctor.item.kind': 'Doctor page: name of the kind item',
  'lab.doctor.item.kubectl': 'Doctor page: name of the kubectl item',
  'lab.doctor.item.istioctl': 'Doctor page: name of the istioctl item',
  'lab.doctor.item.cluster': 'Doctor page: name of the cluster item',
  'lab.doctor.item.images': 'Doctor page: name of the images item',
  'lab.doctor.item.memory': 'Doctor page: name of the memory item',
  'lab.doctor.item.inotify': 'Doctor page: name of the inotify item',
  'lab.doctor.item.ports': 'Doctor page: name of the ports item',
  'lab.doctor.item.processes': 'Doctor page: name of the left-over processes item',
  'lab.doctor.item.labs': 'Doctor page: name of the lab files item',
  'lab.doctor.item.place':
    'Doctor page: name of the item that says where the labs run (this machine or a dev container)',
  'lab.doctor.about.docker':
    'Doctor page: what the docker item checks, shown with or without a runner',
  'lab.doctor.about.place': 'Doctor page: what the place item looks at',
  'lab.doctor.about.kind': 'Doctor page: what the kind item checks, shown with or without a runner',
  'lab.doctor.about.kubectl':
    'Doctor page: what the kubectl item checks, shown with or without a runner',
  'lab.doctor.about.istioctl':
    'Doctor page: what the istioctl item checks, shown with or without a runner',
  'lab.doctor.about.cluster':
    'Doctor page: what the cluster item checks, shown with or without a runner',
  'lab.doctor.about.images':
    'Doctor page: what the images item checks, shown with or without a runner',
  'lab.doctor.about.memory':
    'Doctor page: what the memory item checks, shown with or without a runner',
  'lab.doctor.about.inotify':
    'Doctor page: what the inotify item checks, shown with or without a runner',
  'lab.doctor.about.ports':
    'Doctor page: what the ports item checks, shown with or without a runner',
  'lab.doctor.about.processes':
    'Doctor page: what the left-over processes item checks, shown with or without a runner',
  'lab.doctor.about.labs':
    'Doctor page: what the lab files item checks, shown with or without a runner',
  'lab.doctor.docker.ok': 'Doctor finding: Docker answers; {{version}} of its engine',
  'lab.doctor.docker.missing': 'Doctor finding: no docker command',
  'lab.doctor.docker.denied':
    'Doctor finding: the user may not use the Docker socket; before the commands',
  'lab.doctor.docker.unreachable':
    'Doctor finding: docker is installed but its daemon does not answer; before the commands',
  'lab.doctor.docker.missingContainer': 'Doctor finding: no docker command inside a dev container',
  'lab.doctor.docker.unreachableContainer':
    'Doctor finding: Docker in Docker does not answer inside a dev container; a command follows',
  'lab.doctor.kind.ok': 'Doctor finding: kind at the pinned release; {{found}}',
  'lab.doctor.kind.missing': 'Doctor finding: no kind command; {{pinned}}; before the commands',
  'lab.doctor.kind.broken': 'Doctor finding: kind does not run; {{pinned}}; before the commands',
  'lab.doctor.kind.mismatch':
    'Doctor finding: another kind release; {{found}}, {{pinned}}; before the commands',
  'lab.doctor.kubectl.ok': 'Doctor finding: kubectl within the supported skew; {{found}}',
  'lab.doctor.kubectl.missing':
    'Doctor finding: no kubectl command; {{pinned}}; before the commands',
  'lab.doctor.kubectl.broken':
    'Doctor finding: kubectl does not run; {{pinned}}; before the commands',
  'lab.doctor.kubectl.skew':
    'Doctor finding: kubectl too far from the cluster; {{found}}, {{pinned}}; before the commands',
  'lab.doctor.istioctl.ok': "Doctor finding: istioctl at the book's Istio release; {{found}}",
  'lab.doctor.istioctl.missing': 'Doctor finding: no istioctl yet; {{pinned}}; before the commands',
  'lab.doctor.istioctl.broken':
    'Doctor finding: istioctl does not run; {{pinned}}; before the commands',
  'lab.doctor.istioctl.mismatch':
    'Doctor finding: another istioctl first on PATH; {{found}}, {{pinned}}; before the commands',
  'lab.doctor.cluster.ok': 'Doctor finding: the right context and a live API server; {{context}}',
  'lab.doctor.cluster.noKubectl': 'Doctor finding: not checked because kubectl is missing',
  'lab.doctor.cluster.none':
    'Doctor finding: no cluster yet; {{name}} of the cluster; before the commands',
  'lab.doctor.cluster.notExported':
    "Doctor finding: kind has the cluster, the book's kubeconfig lacks it; {{name}}; before the commands",
  'lab.doctor.cluster.otherContext':
    'Doctor finding: another current context; {{context}}, {{wanted}}; before the commands',
  'lab.doctor.cluster.unreachable':
    'Doctor finding: the API server does not answer; {{context}}; before the commands',
  'lab.doctor.images.present': 'Doctor finding: the cluster has every image; {{count}}',
  'lab.doctor.images.missing':
    'Doctor finding: images the cluster still has to pull; {{count}}, {{total}}; before the commands',
  'lab.doctor.images.noCluster': 'Doctor finding: skipped, no cluster yet',
  'lab.doctor.images.unresolved':
    'Doctor finding: skipped, the image list needs the release and fetched manifests; before the commands',
  'lab.doctor.memory.ok': 'Doctor finding: enough memory; {{free}} GiB free',
  'lab.doctor.memory.dockerLow':
    "Doctor finding: Docker's memory below what Istio wants; {{docker}} and {{free}} GiB",
  'lab.doctor.memory.freeLow': 'Doctor finding: little free memory; {{free}} GiB',
  'lab.doctor.memory.codespaceLow':
    'Doctor finding: a codespace with too little memory; {{docker}} and {{free}} GiB',
  'lab.doctor.place.machine': 'Doctor finding: the labs run on this machine itself',
  'lab.doctor.place.devContainer':
    "Doctor finding: the labs run in a dev container (VS Code Dev Containers, DevPod, the book's .devcontainer)",
  'lab.doctor.place.codespaces': 'Doctor finding: the labs run in a GitHub codespace',
  'lab.doctor.inotify.ok': 'Doctor finding: limits high enough; {{watches}}, {{instances}}',
  'lab.doctor.inotify.low':
    "Doctor finding: limits below kind's; {{watches}}, {{instances}}, {{minWatches}}, {{minInstances}}; before the commands",
  'lab.doctor.inotify.notLinux': 'Doctor finding: not Linux, nothing to check',
  'lab.doctor.inotify.unreadable':
    'Doctor finding: the limits could not be read; before the commands',
  'lab.doctor.processes.ok': 'Doctor finding: nothing left running by an earlier runner',
  'lab.doctor.processes.left':
    'Doctor finding: processes a runner stopped hard left running; {{count}}; before the commands',
  'lab.doctor.processes.unreadable':
    'Doctor finding: the process ledger could not be read and was kept aside; {{file}} is its path; before the commands',
  'lab.doctor.labs.ok': 'Doctor finding: every lab file loads',
  'lab.doctor.labs.broken':
    'Doctor finding: lab files that do not load; {{count}}; before the list of files with their line and fix',
  'lab.doctor.ports.ok': 'Doctor finding: every port free; {{ports}}',
  'lab.doctor.ports.busy':
    'Doctor finding: ports taken by something else; {{busy}}; before the commands',
  'lab.doctor.ports.hubBusy':
    "Doctor finding, not a warning: the other ports free ({{ports}}), the classroom hub's port {{hub}} taken; only an instructor starting a hub here needs it",
  'lab.doctor.ports.busyHubBusy':
    "Doctor finding: ports taken by something else ({{busy}}), and the classroom hub's port {{hub}}, which only an instructor starting a hub here needs; before the commands for the others",
  // One key per error code; typed as such, so that `lab.error.${code}` is a known key.
  ...(Object.fromEntries(
    Object.values(ErrorCode).map((code) => [
      `lab.error.${code}`,
      `Runner error "${code}" for people`,
    ]),
  ) as Record<`lab.error.${ErrorCode}`, string>),
} as const satisfies Record<string, string>;

/**
 * Strings whose wording depends on a number. Each locale gives one value per plural category its
 * language has (Intl.PluralRules: English one/other, Russian one/few/many/other, Chinese other),
 * as `<key>_<category>`; {{count}} is the number that picks the form.
 */
export const pluralStrings = {
  'lab.check.attempts': 'Appended to a failed reason when the check polled; {{count}} attempts',
  'lab.report.reverified': 'After re-verify all: how many checks ran; {{count}}',
  'lab.report.drifted': 'After re-verify all: how many passed before and fail now; {{count}}',
  'lab.progress.checks':
    "Chapter header: how many of the chapter's checks passed; {{passed}} of {{count}}",
  'lab.hub.stuck':
    'Instructor hub: in the stuck column, how long the latest check has failed, from its first failure; {{count}} minutes',
  'lab.hub.seenAgo':
    'Instructor hub: when the hub last heard from a learner; {{count}} minutes ago',
  'lab.hub.summary':
    'Instructor hub: above the table; {{count}} learners of the {{capacity}} the hub takes, {{waiting}} refused because it is full, {{stuck}} stuck on a check',
  'lab.hub.shown':
    'Instructor hub: beside the summary while one chapter is shown; {{shown}} of {{count}} learners',
} as const satisfies Record<string, string>;

/**
 * The search dialog's strings (Pagefind's UI, through Starlight), which Starlight has in English
 * only: [SEARCH_TERM], [COUNT] and [DIFFERENT_TERM] are Pagefind's placeholders. They reach the
 * search through Starlight, not the lab's pages.
 */
export const searchStrings = {
  'pagefind.clear_search': 'Search: button that clears the search field',
  'pagefind.load_more': 'Search: button under the results',
  'pagefind.search_label': "Search: the field's accessible label",
  'pagefind.filters_label': 'Search: heading of the filters',
  'pagefind.zero_results': 'Search: nothing found; [SEARCH_TERM]',
  'pagefind.many_results': 'Search: how many found (more than one); [COUNT], [SEARCH_TERM]',
  'pagefind.one_result': 'Search: one found; [COUNT], [SEARCH_TERM]',
  'pagefind.alt_search':
    'Search: nothing found, results for a near term; [SEARCH_TERM], [DIFFERENT_TERM]',
  'pagefind.search_suggestion': 'Search: nothing found, suggestions follow; [SEARCH_TERM]',
  'pagefind.searching': 'Search: while it searches; [SEARCH_TERM]',
} as const satisfies Record<string, string>;

export const pluralCategories = ['zero', 'one', 'two', 'few', 'many', 'other'] as const;

export type UiStringKey = keyof typeof uiStrings;
export type PluralStringKey = keyof typeof pluralStrings;
export const uiStringKeys = Object.keys(uiStrings) as UiStringKey[];
/** Every key a locale file may hold: the plain ones and every plural form of the plural ones. */
export const allStringKeys: string[] = [
  ...uiStringKeys,
  ...Object.keys(searchStrings),
  ...Object.keys(pluralStrings).flatMap((key) =>
    pluralCategories.map((category) => `${key}_${category}`),
  ),
];
export const locales = ['en', 'it', 'zh-cn', 'ru'] as const;
export type Locale = (typeof locales)[number];

/**
 * The language tag of a locale, which Starlight uses to find its UI strings file
 * (src/content/i18n/<lang>.json) and which pages carry in their lang attribute.
 */
export const langOf = { en: 'en', it: 'it', 'zh-cn': 'zh-CN', ru: 'ru' } as const satisfies Record<
  Locale,
  string
>;
