// Incremental framing for the usage readers: SSE events (WHATWG HTML §9.2.6, "Interpreting an
// event stream") and NDJSON lines. Both keep only the current partial line and the current
// event's data, each capped at MAX_EVENT_CHARS; an event or line over the cap is skipped.

import { StringDecoder } from 'node:string_decoder';
import { MAX_EVENT_CHARS } from './outcome.js';

/** Receives framed events. `type` is the SSE event type ('message' when none) or '' for NDJSON. */
export interface EventSink {
  /** Whether events of this type are worth their data; false skips the event's data lines. */
  wants(type: string): boolean;
  event(type: string, data: string): void;
}

/** Splits decoded text into lines ending in LF, CRLF or CR, carrying partial lines over. */
abstract class LineSplitter {
  readonly #decoder = new StringDecoder('utf8');
  readonly #crEnds: boolean;
  #partial = '';
  #overlong = false;
  #afterCR = false;
  #started = false;

  constructor(crEnds: boolean) {
    this.#crEnds = crEnds;
  }

  protected abstract line(line: string): void;
  /** Called once per line that was dropped for passing the cap. */
  protected abstract overlong(): void;

  write(chunk: Buffer): void {
    this.#feed(this.#decoder.write(chunk));
  }

  /** Feeds the decoder's tail and returns the unterminated last line, if any. */
  protected flush(): string {
    this.#feed(this.#decoder.end());
    const rest = this.#partial;
    this.#partial = '';
    if (this.#overlong) {
      this.#overlong = false;
      this.overlong();
      return '';
    }
    return rest;
  }

  #feed(text: string): void {
    let start = 0;
    if (!this.#started && text !== '') {
      this.#started = true;
      // A leading BOM is not part of the first line (WHATWG: "one leading U+FEFF … is ignored").
      if (text.charCodeAt(0) === 0xfeff) start = 1;
    }
    if (this.#afterCR && start < text.length) {
      this.#afterCR = false;
      if (text.charCodeAt(start) === 0x0a) start++;
    }
    let lf = text.indexOf('\n', start);
    let cr = this.#crEnds ? text.indexOf('\r', start) : -1;
    while (lf !== -1 || cr !== -1) {
      let end: number;
      let next: number;
      if (cr === -1 || (lf !== -1 && lf < cr)) {
        end = lf;
        next = lf + 1;
      } else {
        end = cr;
        next = cr + 1;
        // CRLF is one line end; a CR at the very end of the text may still be followed by LF.
        if (next === text.length) this.#afterCR = true;
        else if (text.charCodeAt(next) === 0x0a) next++;
      }
      this.#end(text, start, end);
      start = next;
      if (lf !== -1 && lf < start) lf = text.indexOf('\n', start);
      if (cr !== -1 && cr < start) cr = text.indexOf('\r', start);
    }
    if (start < text.length && !this.#overlong) {
      this.#partial += text.slice(start);
      if (this.#partial.length > MAX_EVENT_CHARS) {
        this.#partial = '';
        this.#overlong = true;
      }
    }
  }

  #end(text: string, start: number, end: number): void {
    if (this.#overlong) {
      this.#overlong = false;
      this.overlong();
      return;
    }
    const piece = text.slice(start, end);
    const line = this.#partial === '' ? piece : this.#partial + piece;
    this.#partial = '';
    if (line.length > MAX_EVENT_CHARS) this.overlong();
    else this.line(line);
  }
}

/** An incremental SSE parser: lines → fields → events dispatched at each blank line. */
export class SseParser extends LineSplitter {
  readonly #sink: EventSink;
  #type = '';
  #data = '';
  #hasData = false;
  #skip = false;
  /** Events seen so far (dispatched or skipped), so a reader can tell SSE from anything else. */
  events = 0;

  constructor(sink: EventSink) {
    super(true);
    this.#sink = sink;
  }

  /**
   * Ends the stream. Unlike WHATWG, which discards an event not closed by a blank line, a clean
   * end dispatches it: an upstream that omits the last blank line still meant its last event.
   */
  end(): void {
    const rest = this.flush();
    if (rest !== '') this.line(rest);
    this.#dispatch();
  }

  protected override overlong(): void {
    this.#skip = true;
    this.#data = '';
  }

  protected override line(line: string): void {
    if (line === '') {
      this.#dispatch();
      return;
    }
    if (this.#skip) return;
    const colon = line.indexOf(':');
    if (colon === 0) return; // a comment (keep-alive)
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 0x20) value = value.slice(1);
    if (field === 'data') {
      if (this.#hasData) {
        if (this.#data.length + value.length >= MAX_EVENT_CHARS) {
          this.overlong();
          return;
        }
        this.#data += '\n' + value;
      } else {
        this.#data = value;
        this.#hasData = true;
      }
    } else if (field === 'event') {
      this.#type = value;
      if (!this.#sink.wants(value === '' ? 'message' : value)) this.overlong();
    }
    // `id` and `retry` only matter to a reconnecting client; unknown fields are ignored.
  }

  #dispatch(): void {
    const type = this.#type === '' ? 'message' : this.#type;
    if (this.#skip) this.events++;
    else if (this.#hasData) {
      this.events++;
      if (this.#sink.wants(type)) this.#sink.event(type, this.#data);
    }
    this.#type = '';
    this.#data = '';
    this.#hasData = false;
    this.#skip = false;
  }
}

/** An incremental NDJSON splitter: one event per non-empty LF-terminated line (CRLF allowed). */
export class LineParser extends LineSplitter {
  readonly #sink: EventSink;
  /** Non-empty lines seen so far, skipped ones included. */
  lines = 0;

  constructor(sink: EventSink) {
    super(false);
    this.#sink = sink;
  }

  /** Ends the input; a last line without its LF still counts (Ollama's stream:false body). */
  end(): void {
    const rest = this.flush();
    if (rest !== '') this.line(rest);
  }

  protected override overlong(): void {
    this.lines++;
  }

  protected override line(line: string): void {
    const text = line.endsWith('\r') ? line.slice(0, -1) : line;
    if (text.trim() === '') return;
    this.lines++;
    this.#sink.event('', text);
  }
}
