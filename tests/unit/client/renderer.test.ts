import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chooseRenderer, hardwareWebgl } from '../../../src/client/renderer.ts';

/** A document whose canvases answer WebGL 2 as a browser with `renderer` would, or not at all. */
function browserWith(renderer: string | null, options: { refuseSlow?: boolean } = {}) {
  const asked: unknown[] = [];
  let lost = false;
  const gl = {
    UNMASKED_RENDERER_WEBGL: 0x9246,
    getExtension: (name: string) =>
      name === 'WEBGL_debug_renderer_info'
        ? { UNMASKED_RENDERER_WEBGL: 0x9246 }
        : name === 'WEBGL_lose_context'
          ? { loseContext: () => (lost = true) }
          : null,
    getParameter: (which: number) => (which === 0x9246 ? renderer : null),
  };
  const doc = {
    createElement: () => ({
      getContext: (kind: string, attributes: unknown) => {
        asked.push([kind, attributes]);
        return renderer === null || options.refuseSlow ? null : gl;
      },
    }),
  } as unknown as Document;
  return { doc, asked, lost: () => lost };
}

describe("the dock's renderer", () => {
  it('uses WebGL only where it runs in hardware, and gives the probe context back', () => {
    const gpu = browserWith('ANGLE (NVIDIA, NVIDIA GeForce RTX 3060 Direct3D11 vs_5_0 ps_5_0)');
    assert.equal(hardwareWebgl(gpu.doc), true);
    assert.deepEqual(gpu.asked, [['webgl2', { failIfMajorPerformanceCaveat: true }]]);
    assert.equal(gpu.lost(), true);
    for (const software of [
      'ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero) (0x0000C0DE)), SwiftShader driver)',
      'llvmpipe (LLVM 15.0.6, 256 bits)',
      'Microsoft Basic Render Driver',
    ])
      assert.equal(hardwareWebgl(browserWith(software).doc), false, software);
    assert.equal(hardwareWebgl(browserWith('Apple M2', { refuseSlow: true }).doc), false);
    assert.equal(hardwareWebgl(browserWith(null).doc), false, 'no WebGL 2');
    const throwing = {
      createElement: () => {
        throw new Error('no canvas');
      },
    } as unknown as Document;
    assert.equal(hardwareWebgl(throwing), false);
  });

  it("follows the learner's choice, else the hardware", () => {
    const never = () => assert.fail('the hardware is not asked when the learner chose');
    assert.deepEqual(chooseRenderer('dom', never), { renderer: 'dom', reason: 'chosen' });
    assert.deepEqual(chooseRenderer('webgl', never), { renderer: 'webgl', reason: 'chosen' });
    assert.deepEqual(
      chooseRenderer(null, () => true),
      { renderer: 'webgl', reason: 'accelerated' },
    );
    assert.deepEqual(
      chooseRenderer('canvas', () => false),
      { renderer: 'dom', reason: 'software' },
    );
  });
});
