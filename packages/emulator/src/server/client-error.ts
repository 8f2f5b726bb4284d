/**
 * Answers for requests Node's HTTP parser refuses before express sees them. Node's default is
 * a bare status line without a body (a URL over 16 KB got `431` and nothing else); these
 * answers carry Google's error envelope like every other error.
 */
import { maxHeaderSize } from 'node:http';
import type { Duplex } from 'node:stream';

function envelope(code: number, reason: string, message: string): string {
  const body = JSON.stringify({ error: { code, message, status: 'INVALID_ARGUMENT' } });
  return (
    `HTTP/1.1 ${code} ${reason}\r\n` +
    'Content-Type: application/json; charset=utf-8\r\n' +
    `Content-Length: ${Buffer.byteLength(body)}\r\n` +
    'Connection: close\r\n\r\n' +
    body
  );
}

/** A `clientError` listener for the emulator's HTTP server. */
export function answerClientError(err: Error & { code?: string }, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  if (err.code === 'HPE_HEADER_OVERFLOW') {
    socket.end(
      envelope(
        431,
        'Request Header Fields Too Large',
        `The request URL and headers together exceed ${maxHeaderSize} bytes; send long filters or values in a shorter form.`,
      ),
    );
    return;
  }
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    socket.end(envelope(408, 'Request Timeout', 'The request was not received in time.'));
    return;
  }
  socket.end(envelope(400, 'Bad Request', `Malformed HTTP request (${err.code ?? err.message}).`));
}
