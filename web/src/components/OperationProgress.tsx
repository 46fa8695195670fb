/**
 * The live progress of an operation: polled each second until it ends, its devices sent, confirmed and failed out of
 * the total, as a labelled progress bar.
 */
import { api, call, type Schemas } from '../api/api.js';
import { Link } from '../router.js';
import { ErrorNote } from './ErrorNote.js';
import { useLoad } from './useLoad.js';

const FINISHED = new Set(['succeeded', 'failed', 'partial']);

export function isFinished(operation: Schemas['Operation']): boolean {
  return FINISHED.has(operation.status);
}

/** Percent of the devices done: sent or confirmed (a device that sends no receipts is done once sent). */
export function percentDone(operation: Schemas['Operation']): number {
  const { total, sent, confirmed, failed } = operation.counts;
  if (total === 0) return isFinished(operation) ? 100 : 0;
  return Math.floor(((sent + confirmed + failed) * 100) / total);
}

export function OperationProgress(props: { operationId: string; onFinished?: () => void }) {
  const loaded = useLoad(
    async () => {
      const operation = await call(
        api.GET('/v1/operations/{operationId}', { params: { path: { operationId: props.operationId } } }),
      );
      if (isFinished(operation)) props.onFinished?.();
      return operation;
    },
    [props.operationId],
    { everyMs: 1000, stop: isFinished },
  );
  const operation = loaded.data;
  if (!operation) return <ErrorNote error={loaded.error} />;
  return <OperationSummary operation={operation} />;
}

export function OperationSummary(props: { operation: Schemas['Operation'] }) {
  const { operation } = props;
  const { total, sent, confirmed, failed } = operation.counts;
  const percent = percentDone(operation);
  const label = `${operation.kind} of ${operation.target.name}`;
  return (
    <div class="operation" data-status={operation.status}>
      <div class="operation-head">
        <Link href={`/operations/${operation.id}`}>{label}</Link>
        <span class={`status status-${operation.status}`}>{operation.status}</span>
      </div>
      <progress max={100} value={percent} aria-label={`${label}: ${percent} %`} />
      <p class="counts" aria-live="polite">
        {percent} % · {sent} sent · {confirmed} confirmed · {failed} failed · {total} devices
        {operation.confirmation ? ` · ${operation.confirmation.percent} % of receipts` : ''}
      </p>
    </div>
  );
}
