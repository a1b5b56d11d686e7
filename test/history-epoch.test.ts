// SOURCE_DATE_EPOCH and history (issue #9): the standard frontend sends the target's base image
// config as `containerimage.base.config`; BuildKit's exporter then keeps the leading history
// entries equal to the base image's as they are and stamps only the new ones. Without it, the
// exporter stamps the base image's entries too. The exporter itself runs only on a real daemon.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { BUSYBOX, Fixture, meta } from './protocol-helpers.js';

const fx = new Fixture();
beforeAll(() => fx.setup(), 120_000);
afterAll(() => fx.cleanup());

const history = [
  { created: '2023-05-18T22:34:17.420287716Z', created_by: '/bin/sh -c #(nop) ADD file:abc in / ' },
  { created: '2023-05-18T22:34:17.5293525Z', created_by: '/bin/sh -c #(nop)  CMD ["sh"]', empty_layer: true },
];
const base = {
  os: 'linux',
  architecture: 'amd64',
  created: '2023-05-18T22:34:17.5293525Z',
  config: { Env: ['PATH=/bin'], Cmd: ['sh'] },
  rootfs: { type: 'layers', diff_ids: ['sha256:' + '2'.repeat(64)] },
  history,
};
const images = { [BUSYBOX]: { config: base } };

describe('containerimage.base.config', () => {
  test('is the base image config as resolved; the result history starts with its entries unchanged', async () => {
    const dir = fx.dir({ Dockerfile: 'FROM busybox AS b\nRUN true\nFROM b\nLABEL a=b\n' });
    const r = await fx.run(dir, { 'build-arg:SOURCE_DATE_EPOCH': '1700000000' }, { images });
    const sent = JSON.parse(meta(r, 'containerimage.base.config'));
    expect(sent).toEqual(base);
    const img = JSON.parse(meta(r, 'containerimage.config'));
    expect(img.history.slice(0, 2)).toEqual(history);
    expect(img.history.slice(2).map((h: { created_by: string }) => h.created_by)).toEqual(['RUN /bin/sh -c true # buildkit', 'LABEL a=b']);
  });

  test('per platform in a multi-platform build; absent for FROM scratch', async () => {
    const dir = fx.dir({ Dockerfile: 'FROM busybox\nRUN true\n' });
    const r = await fx.run(dir, { platform: 'linux/amd64,linux/386' }, { images: { [BUSYBOX]: { config: base, platforms: ['linux/amd64', 'linux/386'] } } });
    expect(JSON.parse(meta(r, 'containerimage.base.config/linux/amd64')).history).toEqual(history);
    expect(JSON.parse(meta(r, 'containerimage.base.config/linux/386')).history).toEqual(history);
    const s = await fx.run(fx.dir({ Dockerfile: 'FROM scratch\nLABEL a=b\n' }), {});
    expect(Object.keys(s.returned!.result!.metadata)).not.toContain('containerimage.base.config');
  });
});
