import { ErrorCode } from './error-codes.ts';

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
  'lab.cell.state.interrupted': 'Cell state when the command line was cancelled before it ran',
  'lab.cell.sampleOutput': 'Summary of the folded sample output',
  'lab.check.button': 'Button: run the check',
  'lab.check.running': 'Verdict line while the first attempt runs',
  'lab.check.attempt': 'Verdict line while polling; {{attempt}}',
  'lab.check.pass': 'Verdict: the step worked',
  'lab.check.fail': 'Verdict: the step has not worked yet',
  'lab.check.error': 'Verdict: the check itself could not run',
  'lab.check.reason': 'Label before the reason the runner gives',
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
  'lab.dock.title': 'Title of the docked terminal',
  'lab.dock.collapse': 'Button: hide the terminal',
  'lab.dock.expand': 'Button: show the terminal',
  'lab.dock.resize': 'Accessible name of the drag handle that resizes the terminal',
  'lab.dock.connecting': 'Dock status while connecting',
  'lab.dock.connected': 'Dock status when live',
  'lab.dock.reconnecting': 'Dock status after losing the connection; {{seconds}}',
  'lab.dock.takenOver': 'Dock status when another tab took the terminal',
  'lab.dock.takeBack': 'Button: take the terminal back from another tab',
  'lab.dock.ended': 'Dock status when the shell ended',
  'lab.chapter.catchUp':
    'Button at the top of a chapter: bring the cluster to the chapter start (prepare)',
  'lab.chapter.reset': 'Button at the top of a chapter: undo the chapter (cleanup)',
  'lab.chapter.lastTook': 'Beside Catch up: how long the last catch-up took; {{duration}}',
  'lab.chapter.resetConfirm': 'Reset dialog: the question, before the script it will run',
  'lab.chapter.confirm': 'Reset dialog: the button that resets',
  'lab.chapter.cancel': 'Reset dialog: the button that keeps everything',
  'lab.chapter.readyChecking': "After Catch up's prepare: the readiness checks are running",
  'lab.chapter.readyPassed': 'After Catch up: every readiness check passed',
  'lab.chapter.readyFailed':
    'After Catch up: a readiness check failed; {{check}} is its <lab>/<check> id',
  'lab.quiz.title': 'Heading of an in-page knowledge check',
  'lab.quiz.right': 'Shown after the right answer is chosen',
  'lab.quiz.wrong': 'Shown after a wrong answer is chosen',
  'lab.duration.ms': 'A duration under a second; {{value}}',
  'lab.duration.s': 'A duration in seconds; {{value}}',
  ...Object.fromEntries(
    Object.values(ErrorCode).map((code) => [
      `lab.error.${code}`,
      `Runner error "${code}" for people`,
    ]),
  ),
} as const satisfies Record<string, string>;

/**
 * Strings whose wording depends on a number. Each locale gives one value per plural category its
 * language has (Intl.PluralRules: English one/other, Russian one/few/many/other, Chinese other),
 * as `<key>_<category>`; {{count}} is the number that picks the form.
 */
export const pluralStrings = {
  'lab.progress.checks':
    "Chapter header: how many of the chapter's checks passed; {{passed}} of {{count}}",
} as const satisfies Record<string, string>;

export const pluralCategories = ['zero', 'one', 'two', 'few', 'many', 'other'] as const;

export type UiStringKey = keyof typeof uiStrings;
export const uiStringKeys = Object.keys(uiStrings) as UiStringKey[];
/** Every key a locale file may hold: the plain ones and every plural form of the plural ones. */
export const allStringKeys: string[] = [
  ...uiStringKeys,
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
