/**
 * Checks that a byte stream is nothing but an HTTP/2 client connection: the connection preface,
 * a SETTINGS frame, then well-formed frames of known types. A stray `console.log` on the
 * frontend's stdout breaks this at the first foreign byte.
 */
const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
const FRAME_HEADER = 9;
const MAX_FRAME_TYPE = 0x9; // DATA … CONTINUATION (RFC 9113 §6)
const MAX_FRAME_SIZE = 0xffffff;

export interface Http2StreamReport {
  bytes: number;
  frames: number;
  /** True when the stream held only the preface and whole, known frames. */
  clean: boolean;
  error?: string;
}

export class Http2StreamCheck {
  private buf: Buffer = Buffer.alloc(0);
  private prefaceSeen = false;
  private bytes = 0;
  private frames = 0;
  private error: string | undefined;

  feed(chunk: Buffer): void {
    this.bytes += chunk.length;
    if (this.error) return;
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    if (!this.prefaceSeen) {
      const n = Math.min(this.buf.length, PREFACE.length);
      if (!this.buf.subarray(0, n).equals(PREFACE.subarray(0, n))) {
        return this.fail(`stdout does not start with the HTTP/2 preface: ${JSON.stringify(this.buf.subarray(0, 40).toString('latin1'))}`);
      }
      if (this.buf.length < PREFACE.length) return;
      this.prefaceSeen = true;
      this.buf = this.buf.subarray(PREFACE.length);
    }
    while (this.buf.length >= FRAME_HEADER) {
      const length = this.buf.readUIntBE(0, 3);
      const type = this.buf[3]!;
      if (type > MAX_FRAME_TYPE || length > MAX_FRAME_SIZE) {
        return this.fail(`bad frame header after ${this.frames} frames: ${JSON.stringify(this.buf.subarray(0, 40).toString('latin1'))}`);
      }
      if (this.frames === 0 && type !== 0x4) return this.fail(`first frame is type ${type}, not SETTINGS`);
      if (this.buf.length < FRAME_HEADER + length) return;
      this.buf = this.buf.subarray(FRAME_HEADER + length);
      this.frames++;
    }
  }

  report(): Http2StreamReport {
    let error = this.error;
    if (!error && this.buf.length > 0) error = `stream ends inside a frame (${this.buf.length} bytes left)`;
    if (!error && this.bytes > 0 && !this.prefaceSeen) error = 'stream ends inside the preface';
    const out: Http2StreamReport = { bytes: this.bytes, frames: this.frames, clean: !error };
    if (error) out.error = error;
    return out;
  }

  private fail(message: string): void {
    this.error = message;
    this.buf = Buffer.alloc(0);
  }
}
