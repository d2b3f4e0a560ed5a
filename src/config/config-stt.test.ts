import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';

describe('speech-to-text configuration', () => {
  it('defaults: captions, whisper-cpp, openai in that order, 25 MB uploads, 45 s chunks, no engine configured', () => {
    const c = loadConfig({});
    expect(c.stt).toEqual(['captions', 'whisper-cpp', 'openai']);
    expect(c.sttMaxUploadBytes).toBe(25 * 1024 * 1024);
    expect(c.sttChunkSeconds).toBe(45);
    expect(c.sttConcurrency).toBe(2);
    expect(c.whisperModel).toBeUndefined();
    expect(c.sttBaseUrl).toBeUndefined();
    expect(c.whisperModelBaseUrl).toBe('https://huggingface.co/ggerganov/whisper.cpp/resolve/main');
  });

  it('keeps the order given, drops repeats and blanks', () => {
    expect(loadConfig({ AUTOINTEL_STT: ' openai, captions,,openai ' }).stt).toEqual(['openai', 'captions']);
  });

  it('names a bad STT key and never echoes the API key', () => {
    expect(() =>
      loadConfig({
        AUTOINTEL_STT_BASE_URL: 'ftp://x',
        AUTOINTEL_STT_API_KEY: 'sk-secret',
        AUTOINTEL_STT_CONCURRENCY: '0',
      }),
    ).toThrow(
      /AUTOINTEL_STT_BASE_URL[\s\S]*AUTOINTEL_STT_CONCURRENCY|AUTOINTEL_STT_CONCURRENCY[\s\S]*AUTOINTEL_STT_BASE_URL/,
    );
    try {
      loadConfig({ AUTOINTEL_STT_BASE_URL: 'ftp://x', AUTOINTEL_STT_API_KEY: 'sk-secret' });
    } catch (e: unknown) {
      expect(String(e)).not.toContain('sk-secret');
    }
  });
});
