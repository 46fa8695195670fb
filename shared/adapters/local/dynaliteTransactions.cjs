/**
 * dynalite with TransactWriteItems (dynalite 4 has none), run in the thread of DynaliteServer.ts: the store adapter
 * writes a record and its tenant's counter in one transaction (DynamoKeyStore.ts). Every request passes a gate: a
 * transaction runs alone (the requests under way finish first, later ones wait), others run side by side as before.
 * Alone, the transaction reads each item, checks each condition, then, only if all hold, applies each write with
 * dynalite's own actions (putItem, updateItem, deleteItem): no request sees or changes its items in between. A failed
 * condition cancels it as DynamoDB does (TransactionCanceledException, a reason per item: `ConditionalCheckFailed`
 * or `None`; the item as it was with ReturnValuesOnConditionCheckFailure ALL_OLD); two actions on one item, or a
 * malformed one, are a ValidationException; a write that fails after the conditions held has the earlier writes put
 * back. Not crash-atomic: a thread killed between two writes of one transaction (microseconds apart) keeps the
 * first; local mode's data is a developer's. ClientRequestToken is ignored.
 */
'use strict';

const path = require('node:path');

const ACTIONS = { Put: 'putItem', Update: 'updateItem', Delete: 'deleteItem', ConditionCheck: 'deleteItem' };
const MAX_ITEMS = 100;

/** The dynalite server of `options`, its requests through the gate; `dynaliteMain` is dynalite's index.js. */
module.exports = function transactionalDynalite(dynaliteMain, options) {
  const dir = path.dirname(dynaliteMain);
  const db = require(path.join(dir, 'db'));
  const validations = require(path.join(dir, 'validations'));
  const crc32 = require(require.resolve('buffer-crc32', { paths: [dir] }));
  const actions = {};
  const checks = {};
  for (const name of new Set(Object.values(ACTIONS))) {
    actions[name] = require(path.join(dir, 'actions', name));
    checks[name] = require(path.join(dir, 'validations', name));
  }

  // dynalite keeps its store to itself: taken as it is created.
  const create = db.create;
  let store;
  db.create = (createOptions) => {
    store = create(createOptions);
    return store;
  };
  let server;
  try {
    server = require(dynaliteMain)(options);
  } finally {
    db.create = create;
  }

  const gate = readWriteGate();
  const [handle] = server.listeners('request');
  server.removeAllListeners('request');
  server.on('request', (req, res) => {
    if (String(req.headers['x-amz-target'] ?? '').endsWith('.TransactWriteItems')) {
      readBody(req, (body) =>
        gate.alone((done) =>
          transact(body, (status, data) => {
            send(res, status, data);
            done();
          }),
        ),
      );
      return;
    }
    // Watched from the request's arrival: a client that gives up while the request waits behind a transaction has
    // its response closed before the work starts (a listener added then would never hear it): its place is given
    // back at once and dynalite never sees it.
    let closed = false;
    let release;
    res.once('close', () => {
      closed = true;
      release?.();
    });
    gate.together((done) => {
      if (closed) return done();
      release = done;
      handle(req, res);
    });
  });
  return server;

  function send(res, status, data) {
    const body = JSON.stringify(data);
    res.statusCode = status;
    res.setHeader('x-amz-crc32', crc32.unsigned(body));
    res.setHeader('Content-Type', 'application/x-amz-json-1.0');
    res.setHeader('Content-Length', Buffer.byteLength(body, 'utf8'));
    res.end(body);
  }

  /** Answers (status, body): 200 `{}` when every write was applied. */
  function transact(body, answer) {
    const fail = (error) =>
      error?.statusCode ? answer(error.statusCode, error.body) : answer(500, { __type: 'InternalFailure' });
    let request;
    try {
      request = JSON.parse(body);
    } catch {
      return answer(400, { __type: 'com.amazon.coral.service#SerializationException' });
    }
    const entries = request?.TransactItems;
    if (!Array.isArray(entries) || entries.length === 0 || entries.length > MAX_ITEMS) {
      return fail(db.validationError(`TransactItems must have 1 to ${MAX_ITEMS} items`));
    }
    let parsed;
    try {
      parsed = entries.map(parseEntry);
    } catch (error) {
      return fail(error);
    }
    withItems(parsed, 0, [], (error, items) => {
      if (error) return fail(error);
      const keys = items.map((item) => `${item.entry.data.TableName}\u0000${item.key}`);
      if (new Set(keys).size !== keys.length) {
        return fail(db.validationError('Transaction request cannot include multiple operations on one item'));
      }
      const reasons = items.map(({ entry, existing }) => {
        if (db.checkConditional(entry.data, existing) == null) return { Code: 'None' };
        return {
          Code: 'ConditionalCheckFailed',
          Message: 'The conditional request failed',
          ...(entry.returnOld && existing ? { Item: existing } : {}),
        };
      });
      if (reasons.some((reason) => reason.Code !== 'None')) {
        return answer(400, {
          __type: 'com.amazonaws.dynamodb.v20120810#TransactionCanceledException',
          Message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons
            .map((reason) => reason.Code)
            .join(', ')}]`,
          CancellationReasons: reasons,
        });
      }
      apply(items, 0, (applyError) => (applyError ? fail(applyError) : answer(200, {})));
    });
  }

  /** One entry as the data of the dynalite action it runs as, validated as that action validates its request. */
  function parseEntry(entry) {
    const kinds = Object.keys(entry ?? {}).filter((kind) => kind in ACTIONS);
    if (kinds.length !== 1)
      throw db.validationError('each TransactItem has one of Put, Update, Delete, ConditionCheck');
    const [kind] = kinds;
    if (entry[kind] === null || typeof entry[kind] !== 'object' || Array.isArray(entry[kind])) {
      throw db.validationError(`${kind} must be an object`);
    }
    const { ReturnValuesOnConditionCheckFailure: returnValues, ...given } = entry[kind];
    if (kind === 'ConditionCheck' && !given.ConditionExpression) {
      throw db.validationError('ConditionCheck needs a ConditionExpression');
    }
    const action = ACTIONS[kind];
    const data = validations.checkTypes(given, checks[action].types);
    validations.checkValidations(data, checks[action].types, checks[action].custom, store);
    return { kind, action, data, returnOld: returnValues === 'ALL_OLD' };
  }

  /** Each entry with its item's key and the item as stored (undefined: none). */
  function withItems(entries, index, items, done) {
    if (index === entries.length) return done(null, items);
    const entry = entries[index];
    store.getTable(entry.data.TableName, (error, table) => {
      if (error) return done(error);
      const keyed = entry.kind === 'Put' ? entry.data.Item : entry.data.Key;
      const invalid = entry.kind === 'Put' ? db.validateItem(keyed, table) : db.validateKey(keyed, table);
      if (invalid != null) return done(invalid);
      const key = db.createKey(keyed, table);
      store.getItemDb(entry.data.TableName).get(key, (getError, existing) => {
        if (getError && getError.name !== 'NotFoundError') return done(getError);
        items.push({ entry, key, table, existing: getError ? undefined : existing });
        withItems(entries, index + 1, items, done);
      });
    });
  }

  /**
   * Applies each write in turn. A write can still fail once the conditions held (an ADD to an attribute that is not a
   * number, an item grown past 400 KB): the items written before it are put back as they were (the transaction runs
   * alone, so nothing else changed them), and the error is answered: all or nothing, as DynamoDB.
   */
  function apply(items, index, done) {
    if (index === items.length) return done(null);
    const { kind, action, data } = items[index].entry;
    if (kind === 'ConditionCheck') return apply(items, index + 1, done);
    actions[action](store, data, (error) => {
      if (!error) return apply(items, index + 1, done);
      restore(items.slice(0, index).reverse(), () => done(error));
    });
  }

  /** Puts back the items as they were before the transaction (deleting those that were not there), best effort. */
  function restore(items, done) {
    const [item, ...rest] = items;
    if (!item) return done();
    const { entry, table, existing } = item;
    const TableName = entry.data.TableName;
    const next = () => restore(rest, done);
    if (entry.kind === 'ConditionCheck') return next();
    if (existing) return actions.putItem(store, { TableName, Item: existing }, next);
    const keyed = entry.kind === 'Put' ? entry.data.Item : entry.data.Key;
    const Key = Object.fromEntries(table.KeySchema.map(({ AttributeName }) => [AttributeName, keyed[AttributeName]]));
    actions.deleteItem(store, { TableName, Key }, next);
  }
};

function readBody(req, then) {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => then(Buffer.concat(chunks).toString()));
}

/**
 * Runs work `together` (any number at once) or `alone` (when nothing else runs); a waiting `alone` goes before
 * later `together` work, so that a steady stream of requests never starves a transaction.
 */
function readWriteGate() {
  const waiting = [];
  let running = 0;
  let alone = false;
  const pump = () => {
    while (waiting.length > 0 && !alone) {
      const next = waiting[0];
      if (next.alone && running > 0) return;
      waiting.shift();
      running++;
      alone = next.alone;
      let finished = false;
      next.work(() => {
        if (finished) return;
        finished = true;
        running--;
        if (next.alone) alone = false;
        pump();
      });
    }
  };
  return {
    together: (work) => {
      waiting.push({ alone: false, work });
      pump();
    },
    alone: (work) => {
      waiting.push({ alone: true, work });
      pump();
    },
  };
}
