/**
 * MQTT topic filters (MQTT 3.1.1, section 4.7): whether a filter matches a topic, and whether one filter covers
 * another (every topic the inner one matches, the outer one matches too). Topics starting with `$` are matched by no
 * filter starting with a wildcard, as brokers do.
 */

/** Whether `filter` (with `+` and `#` wildcards) matches the topic name `topic`. */
export function topicMatches(filter: string, topic: string): boolean {
  if (topic.startsWith('$') && (filter.startsWith('+') || filter.startsWith('#'))) return false;
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    const level = f[i];
    if (level === '#') return true;
    if (i >= t.length) return false;
    if (level !== '+' && level !== t[i]) return false;
  }
  return f.length === t.length;
}

/** Whether every topic `inner` matches is matched by `outer` (both filters; a topic name is a filter too). */
export function filterCovers(outer: string, inner: string): boolean {
  if (inner.startsWith('$') && (outer.startsWith('+') || outer.startsWith('#'))) return false;
  const o = outer.split('/');
  const n = inner.split('/');
  for (let i = 0; i < o.length; i++) {
    const level = o[i];
    if (level === '#') return true;
    if (i >= n.length) return false;
    const other = n[i];
    if (other === '#') return false;
    if (level === '+') continue;
    if (level !== other) return false;
  }
  return o.length === n.length;
}

/** Whether `filter` is a valid MQTT topic filter (`#` last and alone in its level, `+` alone in its level). */
export function isValidFilter(filter: string): boolean {
  if (filter.length === 0 || filter.includes('\u0000')) return false;
  const levels = filter.split('/');
  return levels.every(
    (level, i) =>
      (level === '#' && i === levels.length - 1) || level === '+' || (!level.includes('#') && !level.includes('+')),
  );
}
