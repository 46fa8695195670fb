/** A broker URL as logs and errors show it: without the user and password a URL may carry. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.toString();
  } catch {
    return '[url]';
  }
}
