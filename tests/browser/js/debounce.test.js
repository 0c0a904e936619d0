// node --test: the draft checker's debounce (extension/content/debounce.js) on a fake clock.
const test = require("node:test");
const assert = require("node:assert/strict");
const { Debounce } = require("../../../extension/content/debounce.js");

function fakeClock() {
  let now = 0;
  let timers = [];
  let next = 1;
  return {
    now: () => now,
    set: (f, ms) => { const id = next++; timers.push({ id, at: now + ms, f }); return id; },
    clear: (id) => { timers = timers.filter((t) => t.id !== id); },
    advance(ms) {
      const end = now + ms;
      for (;;) {
        timers.sort((a, b) => a.at - b.at);
        const t = timers[0];
        if (!t || t.at > end) break;
        timers.shift();
        now = t.at;
        t.f();
      }
      now = end;
    },
  };
}

test("runs once, quietMs after the last poke of a short burst", () => {
  const clock = fakeClock();
  let runs = 0;
  const d = new Debounce(() => runs++, { quietMs: 500, maxWaitMs: 3000, clock });
  for (let i = 0; i < 10; i++) { d.poke(); clock.advance(80); } // ten keys, 80 ms apart
  assert.equal(runs, 0);
  clock.advance(419);
  assert.equal(runs, 0);
  clock.advance(1);
  assert.equal(runs, 1);
  clock.advance(5000);
  assert.equal(runs, 1); // nothing more without a poke
  assert.equal(d.pending, false);
});

test("continuous typing still runs every maxWaitMs, never on every keystroke", () => {
  const clock = fakeClock();
  const at = [];
  const d = new Debounce(() => at.push(clock.now()), { quietMs: 500, maxWaitMs: 3000, clock });
  for (let t = 0; t < 10000; t += 50) { d.poke(); clock.advance(50); } // 200 keys in 10 s
  assert.deepEqual(at, [3000, 6000, 9000]);
  clock.advance(500);
  assert.equal(at.length, 4); // and once after the pause
});

test("cancel drops a pending run; flush runs it now", () => {
  const clock = fakeClock();
  let runs = 0;
  const d = new Debounce(() => runs++, { clock });
  d.poke();
  d.cancel();
  clock.advance(10000);
  assert.equal(runs, 0);
  d.poke();
  d.flush();
  assert.equal(runs, 1);
  d.flush();
  assert.equal(runs, 1);
});
