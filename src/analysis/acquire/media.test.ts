import { describe, expect, it } from 'vitest';
import { sanitizeInfo, type YtInfo } from './media.js';

describe('sanitizeInfo', () => {
  it('keeps only http(s) formats and caption tracks that go through the proxy', () => {
    const info: YtInfo = {
      title: 't',
      url: 'file:///etc/passwd',
      formats: [
        { url: 'file:///etc/passwd', protocol: 'file' },
        { url: 'rtmp://media.example/live', protocol: 'rtmp' },
        { url: 'https://cdn.example/a.m4a', protocol: 'https' },
        { url: 'https://cdn.example/a.m3u8', protocol: 'm3u8_native' },
      ],
      subtitles: {
        en: [{ url: 'file:///home/bot/.env', ext: 'vtt' }],
        fr: [{ url: 'https://x.example/fr.vtt', ext: 'vtt' }],
      },
      automatic_captions: { de: [{ url: 'ftp://x.example/de.vtt', ext: 'vtt' }] },
    };
    const clean = sanitizeInfo(info);
    expect(clean.url).toBeUndefined();
    expect(clean.formats?.map((f) => f.url)).toEqual([
      'https://cdn.example/a.m4a',
      'https://cdn.example/a.m3u8',
    ]);
    expect(clean.subtitles).toEqual({ fr: [{ url: 'https://x.example/fr.vtt', ext: 'vtt' }] });
    expect(clean.automatic_captions).toEqual({});
    expect(clean.title).toBe('t');
  });
});
