"""Getting your own sounds into a Colab notebook: upload files, or record the microphone.

Both only work inside Google Colab (they use its browser bridge); elsewhere, put files in a
folder and pass their paths to :func:`esc50.predict.predict_file`.
"""
from __future__ import annotations

import base64
import sys
from pathlib import Path

import numpy as np

from .fileio import atomic_write

# Raw samples through the Web Audio API rather than MediaRecorder: browsers record
# MediaRecorder audio as WebM, which soundfile cannot read without ffmpeg.
RECORD_JS = """
async function esc50Record(seconds) {
  const stream = await navigator.mediaDevices.getUserMedia({audio: true});
  const ctx = new AudioContext();
  const source = ctx.createMediaStreamSource(stream);
  const node = ctx.createScriptProcessor(4096, 1, 1);
  const chunks = [];
  node.onaudioprocess = e => chunks.push(new Float32Array(e.inputBuffer.getChannelData(0)));
  source.connect(node);
  node.connect(ctx.destination);
  await new Promise(resolve => setTimeout(resolve, seconds * 1000));
  node.disconnect(); source.disconnect(); stream.getTracks().forEach(t => t.stop());
  const all = new Float32Array(chunks.reduce((n, c) => n + c.length, 0));
  let offset = 0;
  for (const c of chunks) { all.set(c, offset); offset += c.length; }
  const bytes = new Uint8Array(all.buffer);
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  const rate = ctx.sampleRate;
  await ctx.close();
  return {rate: rate, data: btoa(text)};
}
"""


def in_colab():
    """True inside a Google Colab runtime."""
    return "google.colab" in sys.modules


def _require_colab(what):
    if not in_colab():
        raise RuntimeError(f"{what} works only in Google Colab; elsewhere, pass the path of an audio file")


def upload(directory="uploads"):
    """Ask the browser for files and save them into ``directory``; return their paths."""
    _require_colab("upload()")
    from google.colab import files

    paths = []
    for name, content in files.upload().items():
        path = Path(directory) / Path(name).name
        with atomic_write(path) as f:
            f.write(content)
        paths.append(path)
    return paths


def record(seconds=5.0, path="recording.wav"):
    """Record ``seconds`` of the microphone (the browser asks for permission) into a WAV file."""
    _require_colab("record()")
    if not 0 < seconds <= 60:
        raise ValueError(f"seconds must be in (0, 60], got {seconds}")
    import soundfile as sf
    from google.colab import output
    from IPython.display import Javascript, display

    display(Javascript(RECORD_JS))
    y, sr = decode_recording(output.eval_js(f"esc50Record({float(seconds)})", timeout_sec=seconds + 60))
    with atomic_write(path) as f:
        sf.write(f, y, sr, format="WAV")
    return Path(path)


def decode_recording(result):
    """The browser's answer, ``{"rate": ..., "data": base64 float32 samples}``, as ``(y, sr)``."""
    try:
        y = np.frombuffer(base64.b64decode(result["data"]), dtype="<f4")
        sr = int(result["rate"])
    except (KeyError, TypeError, ValueError) as err:
        raise ValueError(f"not a recording from the browser: {err}") from None
    if y.size == 0:
        raise ValueError("the recording is empty: was the microphone allowed?")
    return y.astype(np.float32), sr
