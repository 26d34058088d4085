// The components a chapter's MDX imports: `import { Cell, Check } from '~/components';`
export { default as Cell } from './Cell.astro';
export { default as Check } from './Check.astro';
