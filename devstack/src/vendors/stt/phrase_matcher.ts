// Phrase spotting for the STT stand-in. pocketsphinx recognises synthetic telephone audio poorly, so when the
// client names the phrases it expects (Deepgram's `keyterm`/`keywords`, or the stand-in's configured vocabulary),
// an utterance is also compared with a rendering of each phrase: MFCC-like features + dynamic time warping.
// A close enough match wins; otherwise the free pocketsphinx transcript stands. Pure functions, no I/O.

const SAMPLE_RATE = 8000;
const FRAME = 200; // 25 ms
const HOP = 80; // 10 ms
const NFFT = 256;
const N_MEL = 20;
const N_CEPS = 12;

export type Features = Float32Array[];

function hzToMel(hz: number): number {
  return 2595 * Math.log10(1 + hz / 700);
}
function melToHz(mel: number): number {
  return 700 * (10 ** (mel / 2595) - 1);
}

const melFilters: number[][] = (() => {
  const lo = hzToMel(100);
  const hi = hzToMel(3800);
  const points = Array.from({ length: N_MEL + 2 }, (_, i) => melToHz(lo + ((hi - lo) * i) / (N_MEL + 1)));
  const bins = points.map((hz) => Math.floor(((NFFT + 1) * hz) / SAMPLE_RATE));
  return Array.from({ length: N_MEL }, (_, m) => {
    const f = new Array<number>(NFFT / 2 + 1).fill(0);
    const [a, b, c] = [bins[m]!, bins[m + 1]!, bins[m + 2]!];
    for (let k = a; k < b; k++) f[k] = (k - a) / Math.max(1, b - a);
    for (let k = b; k < c; k++) f[k] = (c - k) / Math.max(1, c - b);
    return f;
  });
})();

const hamming = Float64Array.from({ length: FRAME }, (_, n) => 0.54 - 0.46 * Math.cos((2 * Math.PI * n) / (FRAME - 1)));

/** In-place radix-2 FFT of (re, im), length a power of two. */
function fft(re: Float64Array, im: Float64Array): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j]!, re[i]!];
      [im[i], im[j]] = [im[j]!, im[i]!];
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const ang = (-2 * Math.PI) / len;
    for (let i = 0; i < n; i += len) {
      for (let k = 0; k < len / 2; k++) {
        const wr = Math.cos(ang * k);
        const wi = Math.sin(ang * k);
        const a = i + k;
        const b = a + len / 2;
        const tr = re[b]! * wr - im[b]! * wi;
        const ti = re[b]! * wi + im[b]! * wr;
        re[b] = re[a]! - tr;
        im[b] = im[a]! - ti;
        re[a] = re[a]! + tr;
        im[a] = im[a]! + ti;
      }
    }
  }
}

/** Drops leading and trailing frames quieter than a fraction of the loudest part. */
function trimSilence(pcm: Int16Array): Int16Array {
  const win = 160;
  const energies: number[] = [];
  for (let i = 0; i + win <= pcm.length; i += win) {
    let e = 0;
    for (let j = i; j < i + win; j++) e += pcm[j]! * pcm[j]!;
    energies.push(e / win);
  }
  const peak = Math.max(0, ...energies);
  const floor = peak * 0.002;
  const first = energies.findIndex((e) => e > floor);
  let last = energies.length - 1;
  while (last > first && energies[last]! <= floor) last--;
  if (first < 0) return pcm.subarray(0, 0);
  return pcm.subarray(first * win, (last + 1) * win);
}

/** Cepstral features, mean-normalised over the utterance (so channel level and tilt do not matter). */
export function features(pcmIn: Int16Array): Features {
  const pcm = trimSilence(pcmIn);
  const out: Float32Array[] = [];
  const re = new Float64Array(NFFT);
  const im = new Float64Array(NFFT);
  for (let start = 0; start + FRAME <= pcm.length; start += HOP) {
    re.fill(0);
    im.fill(0);
    for (let n = 0; n < FRAME; n++) {
      // Pre-emphasis lifts consonants, which carry most of what tells phrases apart.
      const prev = start + n > 0 ? pcm[start + n - 1]! : 0;
      re[n] = (pcm[start + n]! - 0.97 * prev) * hamming[n]!;
    }
    fft(re, im);
    const logMel = new Float64Array(N_MEL);
    for (let m = 0; m < N_MEL; m++) {
      const f = melFilters[m]!;
      let s = 0;
      for (let k = 0; k <= NFFT / 2; k++) if (f[k]) s += f[k]! * (re[k]! * re[k]! + im[k]! * im[k]!);
      logMel[m] = Math.log(s + 1e-3);
    }
    const ceps = new Float32Array(N_CEPS);
    for (let c = 1; c <= N_CEPS; c++) {
      let s = 0;
      for (let m = 0; m < N_MEL; m++) s += logMel[m]! * Math.cos((Math.PI * c * (m + 0.5)) / N_MEL);
      ceps[c - 1] = s;
    }
    out.push(ceps);
  }
  if (out.length > 0) {
    const mean = new Float32Array(N_CEPS);
    for (const f of out) for (let c = 0; c < N_CEPS; c++) mean[c]! += f[c]! / out.length;
    for (const f of out) for (let c = 0; c < N_CEPS; c++) f[c]! -= mean[c]!;
  }
  return out;
}

/** Length-normalised DTW distance; Infinity when the durations differ by more than 2x. */
export function dtwDistance(a: Features, b: Features): number {
  const n = a.length;
  const m = b.length;
  if (n === 0 || m === 0 || n > 2 * m || m > 2 * n) return Infinity;
  const band = Math.max(Math.abs(n - m) + 10, Math.ceil(Math.max(n, m) * 0.25));
  let prev = new Float64Array(m + 1).fill(Infinity);
  let cur = new Float64Array(m + 1).fill(Infinity);
  prev[0] = 0;
  for (let i = 1; i <= n; i++) {
    cur.fill(Infinity);
    const center = Math.round((i * m) / n);
    const lo = Math.max(1, center - band);
    const hi = Math.min(m, center + band);
    const ai = a[i - 1]!;
    for (let j = lo; j <= hi; j++) {
      const bj = b[j - 1]!;
      let d = 0;
      for (let c = 0; c < ai.length; c++) {
        const x = ai[c]! - bj[c]!;
        d += x * x;
      }
      cur[j] = Math.sqrt(d) + Math.min(prev[j]!, prev[j - 1]!, cur[j - 1]!);
    }
    [prev, cur] = [cur, prev];
  }
  return prev[m]! / (n + m);
}

export interface PhraseTemplate {
  text: string;
  features: Features;
}

export interface PhraseMatch {
  text: string;
  distance: number;
}

/**
 * The closest phrase when it is clearly closer than the threshold and than the runner-up; `null` otherwise, so an
 * utterance that is none of the phrases falls back to free recognition.
 */
export function matchPhrase(utterance: Features, templates: readonly PhraseTemplate[], threshold: number): PhraseMatch | null {
  let best: PhraseMatch | null = null;
  let second = Infinity;
  for (const t of templates) {
    const d = dtwDistance(utterance, t.features);
    if (!best || d < best.distance) {
      if (best) second = Math.min(second, best.distance);
      best = { text: t.text, distance: d };
    } else second = Math.min(second, d);
  }
  if (!best || best.distance > threshold) return null;
  // Two templates of the same text (e.g. a phrase and its first sentence) never make the match ambiguous.
  if (second !== Infinity && best.distance > second * 0.9) {
    const runnerUp = templates.find((t) => t.text !== best!.text && dtwDistance(utterance, t.features) <= best!.distance / 0.9);
    if (runnerUp) return null;
  }
  return best;
}

/**
 * For interim results: the phrase whose beginning best matches the speech heard so far, cut to the share of its
 * words that has been spoken. `null` when no phrase starts like this.
 */
export function matchPhrasePrefix(partial: Features, templates: readonly PhraseTemplate[], threshold: number): PhraseMatch | null {
  let best: PhraseMatch | null = null;
  for (const t of templates) {
    const words = t.text.split(/\s+/);
    for (let f = 0.2; f <= 1.001; f += 0.1) {
      const n = Math.round(t.features.length * f);
      if (n < partial.length * 0.7 || n > partial.length * 1.4) continue;
      const d = dtwDistance(partial, t.features.slice(0, n));
      if (d <= threshold && (!best || d < best.distance)) {
        best = { text: words.slice(0, Math.max(1, Math.round(words.length * f))).join(' '), distance: d };
      }
    }
  }
  return best;
}
