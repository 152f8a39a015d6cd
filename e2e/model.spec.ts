/*
 * A model out of the page into PyTorch and back, in Chromium: train CATCH briefly, "Export model
 * (PyTorch)" from the run card and from a checkpoint row, export the checkpoint, read both in
 * Python (tools/python/arcadelab.py: checksums, strict load into CleanRL's QNetwork layout) and
 * write the net back from torch; "Import model" takes that file as a new run, which can be
 * watched and trained; refused files (truncated, another game's action count) change nothing.
 * The Python leg runs when /usr/bin/python3 (or $PYTHON) with numpy and torch is there, as in CI.
 */
import { expect, test, type Locator, type Page } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

test.setTimeout(600_000);

const num = async (loc: Locator, attr: string): Promise<number> => Number((await loc.getAttribute(attr)) ?? 'NaN');

async function shot(page: Page, name: string, testInfo: import('@playwright/test').TestInfo): Promise<void> {
  await page.screenshot({ path: testInfo.outputPath(`${name}.png`), fullPage: false });
}

/** The safetensors header (names, shapes, metadata) of a file. */
function header(b: Buffer): Record<string, { dtype: string; shape: number[] } | Record<string, string>> {
  const n = b.readUInt32LE(0);
  return JSON.parse(b.subarray(8, 8 + n).toString('utf8'));
}

/** The same file with its metadata edited (header re-padded to 8 bytes). */
function withMetadata(b: Buffer, edit: (m: Record<string, string>) => void): Buffer {
  const n = b.readUInt32LE(0);
  const h = header(b);
  edit(h.__metadata__ as Record<string, string>);
  let js = JSON.stringify(h);
  while ((8 + Buffer.byteLength(js)) % 8) js += ' ';
  const hb = Buffer.from(js);
  const len = Buffer.alloc(8);
  len.writeUInt32LE(hb.length, 0);
  return Buffer.concat([len, hb, b.subarray(8 + n)]);
}

async function download(page: Page, click: () => Promise<void>, path: string): Promise<Buffer> {
  const d = page.waitForEvent('download');
  await click();
  await (await d).saveAs(path);
  return readFileSync(path);
}

const PY = `
import json, sys
sys.path.insert(0, "tools/python")
import arcadelab as al, numpy as np, torch
ck = al.read_checkpoint(sys.argv[1])                   # every SHA-256 checked
tensors, meta = al.read_safetensors(sys.argv[2])       # the checkpoint row's "Export model (PyTorch)"
sd = al.cleanrl_state_dict(ck)
same = sorted(sd) == sorted(tensors) and all(np.array_equal(sd[k], tensors[k]) for k in sd)
net = al.torch_q_network(ck.network, tensors)          # load_state_dict(strict=True)
t = ck.replay.transitions()
with torch.no_grad():
    q = net(torch.from_numpy(t["obs"][:8].copy()).float())
al.write_safetensors(net.state_dict(), sys.argv[3], meta)   # and back, from torch
print(json.dumps({"same": bool(same), "steps": ck.counters["agentSteps"], "game": ck.config["gameName"],
                  "transitions": int(len(t["actions"])), "q_finite": bool(torch.isfinite(q).all()), "q_shape": list(q.shape)}))
`;

function python(): string | null {
  for (const p of [process.env.PYTHON, '/usr/bin/python3'].filter(Boolean) as string[]) {
    if (existsSync(p) && spawnSync(p, ['-c', 'import numpy, torch'], { stdio: 'ignore' }).status === 0) return p;
  }
  return null;
}

test('model: export from run card and checkpoint row, through PyTorch and back, import as a new run, refusals', async ({ page }, testInfo) => {
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') pageErrors.push(`console: ${m.text()}`); });
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto('/');
  await expect(page.getByLabel('Game', { exact: true })).toHaveValue('builtin:catch');
  await page.getByText('Hyperparameters', { exact: true }).click();
  await page.getByRole('button', { name: 'Quick preset' }).click();
  await page.getByLabel('learning_starts').fill('100');
  await page.getByLabel('buffer_size').fill('5000');
  await page.getByLabel('batch_size').fill('16');
  await page.getByLabel('train_frequency').fill('32'); // software WebGPU here: few gradient steps
  const train = page.getByRole('button', { name: 'Train', exact: true });
  await train.click();
  const cards = page.locator('article.run-card');
  const a = cards.first();
  await expect(a).toHaveAttribute('data-state', 'running', { timeout: 120_000 });
  await expect.poll(() => num(a, 'data-steps'), { timeout: 180_000 }).toBeGreaterThan(200);

  // ---- Export model (PyTorch) from the run card, while it trains.
  const live = await download(page, () => a.getByRole('button', { name: 'Export model (PyTorch)' }).click(), testInfo.outputPath('live.safetensors'));
  const hl = header(live);
  expect(Object.keys(hl).filter((k) => k !== '__metadata__').sort()).toEqual(['network.0.bias', 'network.0.weight', 'network.2.bias', 'network.2.weight', 'network.5.bias', 'network.5.weight', 'network.7.bias', 'network.7.weight']);
  expect(hl['network.0.weight']).toMatchObject({ dtype: 'F32', shape: [8, 4, 8, 8] });
  const meta = hl.__metadata__ as Record<string, string>;
  expect(meta).toMatchObject({ format: 'pt', game: 'catch', algorithm: 'dqn', cleanrl: 'dqn_atari.QNetwork' });
  const actions = Number(meta.num_actions);
  expect(JSON.parse(meta.action_set)).toHaveLength(actions);
  expect(hl['network.7.weight']).toMatchObject({ shape: [actions, 64] });
  await expect(a).toHaveAttribute('data-state', 'running');

  // ---- Metrics: CSV and JSON lines under CleanRL's tags, the return chart as PNG.
  await expect.poll(() => num(a, 'data-episodes'), { timeout: 240_000 }).toBeGreaterThan(0);
  const csv = (await download(page, () => a.getByRole('button', { name: /as CSV$/ }).click(), testInfo.outputPath('metrics.csv'))).toString('utf8').trimEnd().split('\n');
  expect(csv[0]).toBe('wall_time,step,kind,charts/episodic_return,charts/episodic_length,charts/SPS,losses/td_loss,losses/q_values,charts/epsilon');
  const episodes = csv.slice(1).filter((l) => l.split(',')[2] === 'episode');
  expect(episodes.length).toBeGreaterThan(0);
  expect(Number(episodes[0]!.split(',')[4])).toBeGreaterThan(0); // episode length
  const jl = (await download(page, () => a.getByRole('button', { name: /as JSON lines$/ }).click(), testInfo.outputPath('metrics.jsonl'))).toString('utf8').trimEnd().split('\n').map((l) => JSON.parse(l));
  expect(jl.some((r) => r.kind === 'tick' && typeof r['charts/SPS'] === 'number' && typeof r['charts/epsilon'] === 'number')).toBe(true);
  expect(jl.filter((r) => r.kind === 'episode').length).toBeGreaterThanOrEqual(episodes.length);
  const png = await download(page, () => a.getByRole('button', { name: /return chart .* as PNG$/ }).click(), testInfo.outputPath('return.png'));
  expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');

  // ---- Save, then export the checkpoint and its model from the row.
  const rows = page.locator('#checkpoints tbody tr');
  await a.getByRole('button', { name: 'Save checkpoint' }).click();
  await expect.poll(() => rows.count(), { timeout: 120_000 }).toBeGreaterThan(0);
  await a.getByRole('button', { name: 'Pause', exact: true }).click();
  await expect(a).toHaveAttribute('data-state', 'paused');
  const ckFile = testInfo.outputPath('run.arcadelab');
  await download(page, () => rows.first().getByRole('button', { name: /^Export checkpoint/ }).click(), ckFile);
  const rowModelFile = testInfo.outputPath('row.safetensors');
  const rowModel = await download(page, () => rows.first().getByRole('button', { name: /^Export model \(PyTorch\) of checkpoint/ }).click(), rowModelFile);
  await expect(page.locator('#checkpoints .inline-msg')).toContainText('Exported model catch-');
  expect((header(rowModel).__metadata__ as Record<string, string>).agent_steps).toBe((await rows.first().locator('td').nth(2).textContent())!.replace(/,/g, ''));
  await page.locator('#checkpoints').scrollIntoViewIfNeeded();
  await shot(page, '01-exported', testInfo);

  // ---- PyTorch and back.
  let back = rowModelFile;
  const py = python();
  if (py) {
    back = testInfo.outputPath('from-torch.safetensors');
    const r = spawnSync(py, ['-c', PY, ckFile, rowModelFile, back], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
    expect(out).toMatchObject({ same: true, game: 'catch', q_finite: true });
    expect(out.transitions).toBeGreaterThan(50);
    expect(out.q_shape).toEqual([8, actions]);
  } else {
    testInfo.annotations.push({ type: 'note', description: 'no python3 with numpy and torch: the PyTorch leg was skipped, the row export is imported directly' });
  }
  await a.getByRole('button', { name: 'Close run' }).click();
  await expect(cards).toHaveCount(0);

  // ---- Refused files: nothing is created, the message says why.
  const msg = page.locator('#train-msg');
  await page.locator('#model-file').setInputFiles({ name: 'cut.safetensors', mimeType: 'application/octet-stream', buffer: rowModel.subarray(0, 40) });
  await expect(msg).toContainText('Import of cut.safetensors failed: not a valid .safetensors file: header length', { timeout: 60_000 });
  const other = withMetadata(rowModel, (m) => { m.num_actions = String(actions + 3); m.game = 'Seaquest'; });
  await page.locator('#model-file').setInputFiles({ name: 'seaquest.safetensors', mimeType: 'application/octet-stream', buffer: other });
  await expect(msg).toContainText(`the model has ${actions + 3} actions (trained on Seaquest), catch has ${actions}`, { timeout: 60_000 });
  await expect(cards).toHaveCount(0);
  await shot(page, '02-refused', testInfo);

  // ---- Import model (the file torch wrote): a new run, ready; watch it, then train it.
  await page.locator('#model-file').setInputFiles(back);
  const b = cards.first();
  await expect(b).toHaveAttribute('data-state', 'ready', { timeout: 120_000 });
  await expect(msg).toContainText('press Watch agent to see it play, or Train to go on training');
  await b.getByRole('button', { name: 'Watch agent' }).click();
  await expect(b).toHaveAttribute('data-state', 'watching', { timeout: 60_000 });
  await expect.poll(() => num(b.locator('canvas.screen').first(), 'data-drawn'), { timeout: 60_000 }).toBeGreaterThan(3);
  await b.scrollIntoViewIfNeeded();
  await shot(page, '03-imported-watching', testInfo);
  await b.getByRole('button', { name: 'Stop watching' }).click();
  await expect(b).toHaveAttribute('data-state', 'ready');
  await b.getByRole('button', { name: 'Train', exact: true }).click();
  await expect(b).toHaveAttribute('data-state', 'running', { timeout: 60_000 });
  await expect.poll(() => num(b, 'data-steps'), { timeout: 120_000 }).toBeGreaterThan(50);
  await shot(page, '04-imported-training', testInfo);
  expect(pageErrors.filter((e) => !/favicon/.test(e))).toEqual([]);
});
