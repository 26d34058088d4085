/**
 * Finds the published schema model for an apiVersion and kind: core and built-in groups from
 * kubernetes-models, Istio's groups from @kubernetes-models/istio, the Gateway API's from
 * @kubernetes-models/gateway-api. Undefined when no package publishes one.
 */
type Model = new (data: Record<string, unknown>) => { validate(): void };

export async function modelFor(apiVersion: string, kind: string): Promise<Model | undefined> {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  let specifier: string;
  if (!group) specifier = `kubernetes-models/${version}`;
  else if (group.endsWith('.istio.io')) specifier = `@kubernetes-models/istio/${group}/${version}`;
  else if (group.startsWith('gateway.networking.'))
    specifier = `@kubernetes-models/gateway-api/${group}/${version}`;
  else specifier = `kubernetes-models/${group}/${version}`;
  try {
    const module = (await import(specifier)) as Record<string, unknown>;
    return module[kind] as Model | undefined;
  } catch {
    // No such group or version in the packages: the caller lists the kind as having no schema.
    return undefined;
  }
}
