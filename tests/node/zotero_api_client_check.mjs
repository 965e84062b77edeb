// Drives a Zotero API server with zotero-api-client (the client Zotero's web library uses),
// a client nobody here wrote: create, read, update with the batch's version, paging, since,
// tags, trash, delete.  Usage: node zotero_api_client_check.mjs BASE_URL KEY GROUP_ID
// Prints one JSON line of what it checked; exits 1 on the first failed check.
import client from 'zotero-api-client';

// The package's Node entry is CommonJS: its default export arrives wrapped.
const api = client.default ?? client;

const [baseUrl, key, groupId] = process.argv.slice(2);
const url = new URL(baseUrl);
const lib = api(key, {
	apiScheme: url.protocol.replace(':', ''),
	apiAuthorityPart: url.host,
}).library('group', Number(groupId));
const checked = [];

function check(name, condition, detail) {
	if (!condition) {
		console.error(`FAILED ${name}: ${JSON.stringify(detail)}`);
		process.exit(1);
	}
	checked.push(name);
}

const made = await lib.items().post([
	{ itemType: 'book', title: '  Padded title ', tags: [{ tag: 'one' }, { tag: '  ' }] },
	{ itemType: 'journalArticle', title: 'Second', tags: [{ tag: 'two' }] },
	{ itemType: 'preprint', title: 'Third' },
]);
check('create', made.isSuccess(), made.getErrors());
const batchVersion = made.getVersion();
const keys = [0, 1, 2].map((i) => made.getEntityByIndex(i).key);
const firstEntity = made.getEntityByIndex(0);
const first = { data: firstEntity.data ?? firstEntity };
check('normalised on write', first.data.title === 'Padded title', first.data);
check('blank tag ignored', first.data.tags.length === 1, first.data.tags);

const one = await lib.items(keys[0]).get();
check('read one', one.getData().title === 'Padded title', one.getData());

const patched = await lib.items(keys[0]).version(batchVersion).patch({ title: 'Edited' });
check('update with the batch version', patched.getResponseType() === 'SingleWriteResponse', patched);
const after = (await lib.items(keys[0]).get()).getData();
check('update applied', after.title === 'Edited', after);

const page = await lib.items().get({ limit: 2 });
check('paging: page size', page.getData().length === 2, page.getData().length);
check('paging: total', page.getTotalResults() === 3, page.getTotalResults());
check('paging: next link', Boolean(page.getRelLinks().next), page.getRelLinks());
const rest = await lib.items().get({ limit: 2, start: 2 });
check('paging: second page', rest.getData().length === 1, rest.getData().length);

const since = await lib.items().get({ since: batchVersion });
const changed = since.getData().map((i) => i.key);
check('since', changed.length === 1 && changed[0] === keys[0], changed);

const tags = (await lib.tags().get()).getData().map((t) => t.tag).sort();
check('tags', JSON.stringify(tags) === JSON.stringify(['one', 'two']), tags);

const current = (await lib.items(keys[1]).get()).getVersion();
await lib.items(keys[1]).version(current).patch({ deleted: 1 });
const trash = (await lib.items().trash().get()).getData().map((i) => i.key);
check('trash', trash.length === 1 && trash[0] === keys[1], trash);

const library = (await lib.items().get({ limit: 1 })).getVersion();
const gone = await lib.version(library).items().delete(keys);
check('delete', gone.getResponseType() === 'DeleteResponse', gone);
const left = (await lib.items().get({ includeTrashed: 1 })).getData();
check('deleted', left.length === 0, left);

console.log(JSON.stringify({ client: 'zotero-api-client', checked }));
