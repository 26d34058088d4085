// The components a chapter's MDX imports: `import { Cell, Check } from '~/components';`
export { default as Cell } from './Cell.astro';
export { default as Check } from './Check.astro';
export { default as Pin } from './Pin.astro';
export { default as Quiz } from './Quiz.astro';
export { default as Question } from './Question.astro';
export { default as Choice } from './Choice.astro';
export { default as Explain } from './Explain.astro';
export { default as ProgressReport } from './ProgressReport.astro';
export { default as ChapterList } from './ChapterList.astro';
