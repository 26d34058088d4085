/**
 * Which renderer the dock's terminal draws with. xterm's WebGL addon draws on the GPU and is the
 * faster one where WebGL runs in hardware; where it runs in software (SwiftShader, llvmpipe: a
 * machine or a browser without a usable GPU) the DOM renderer is faster. A learner can choose
 * either by storing `istio-lab.dock.renderer` (`webgl` or `dom`) in the book's local storage.
 */
export type Renderer = 'webgl' | 'dom';

/** Why the dock draws as it does; the dock shows it as `data-renderer-reason`. */
export type RendererReason = 'chosen' | 'accelerated' | 'software' | 'failed' | 'contextLost';

export const rendererStorage = 'istio-lab.dock.renderer';

/** Names of renderers that draw WebGL on the CPU. */
const softwareRenderer = /swiftshader|llvmpipe|softpipe|software|basic render/i;

/**
 * Whether this browser runs WebGL 2 in hardware: a context asked to fail when it would be slow
 * is refused in software, and the renderer's name, where the browser gives it, says so too.
 */
export function hardwareWebgl(doc: Document = document): boolean {
  try {
    const canvas = doc.createElement('canvas');
    const gl = canvas.getContext('webgl2', { failIfMajorPerformanceCaveat: true });
    if (!gl) return false;
    const info = gl.getExtension('WEBGL_debug_renderer_info');
    const name = info ? String(gl.getParameter(info.UNMASKED_RENDERER_WEBGL)) : '';
    gl.getExtension('WEBGL_lose_context')?.loseContext();
    return !softwareRenderer.test(name);
  } catch {
    return false;
  }
}

/** The renderer to start with: the learner's choice, else WebGL only where it runs in hardware. */
export function chooseRenderer(
  stored: string | null,
  hardware: () => boolean,
): { renderer: Renderer; reason: RendererReason } {
  if (stored === 'webgl' || stored === 'dom') return { renderer: stored, reason: 'chosen' };
  return hardware()
    ? { renderer: 'webgl', reason: 'accelerated' }
    : { renderer: 'dom', reason: 'software' };
}
