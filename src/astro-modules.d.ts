// Plain `tsc` has no Astro language plugin: it sees .astro files only through this declaration.
// Editors with the Astro extension type them fully.
declare module '*.astro' {
  const Component: (props: Record<string, unknown>) => unknown;
  export default Component;
}
