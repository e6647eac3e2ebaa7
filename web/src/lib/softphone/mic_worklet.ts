// Runs on the audio rendering thread: takes the microphone's 128-sample blocks at the device rate, mixes them to
// mono, downsamples to 8 kHz and posts whole 20 ms frames (Int16Array, 160 samples) to the page, which encodes
// and sends them. Loaded with audioWorklet.addModule(url), bundled on its own by Vite.
import { FrameChunker } from './frame_chunker.ts';
import { MIC_PROCESSOR } from './mic_processor_name.ts';
import { Downsampler } from './resample.ts';

// The AudioWorkletGlobalScope's names, which the DOM typings do not describe.
declare const sampleRate: number;
declare class AudioWorkletProcessor {
  readonly port: MessagePort;
}
declare function registerProcessor(name: string, processor: new () => AudioWorkletProcessor): void;

class MicCapture extends AudioWorkletProcessor {
  private readonly down = new Downsampler(sampleRate);
  private readonly chunker = new FrameChunker();
  private mono = new Float32Array(128);

  process(inputs: Float32Array[][]): boolean {
    const channels = inputs[0];
    if (!channels || channels.length === 0) return true;
    let mono = channels[0]!;
    if (channels.length > 1) {
      if (this.mono.length !== mono.length) this.mono = new Float32Array(mono.length);
      this.mono.fill(0);
      for (const ch of channels) for (let i = 0; i < ch.length; i++) this.mono[i]! += ch[i]! / channels.length;
      mono = this.mono;
    }
    for (const frame of this.chunker.push(this.down.push(mono))) this.port.postMessage(frame, [frame.buffer]);
    return true;
  }
}

registerProcessor(MIC_PROCESSOR, MicCapture);
