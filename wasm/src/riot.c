/* 6532 RIOT as the reference emulates it.
 *
 * The timer is not clocked: a write stores the value T, the prescaler shift s and the cycle
 * stamp; a read computes INTIM = T - ((cycles - 1 - stamp) >> s) - 1. Once that goes negative
 * (underflow) the reference first returns the low byte of the cycles left to the programmed
 * end point (T << s) minus one, i.e. $FF; the first read at which that count is -2 or less
 * latches an offset (read cycle - end point), and from then on INTIM = T - (delta >> s) - offset,
 * still stepping at the prescaler rate (not once per cycle as the real chip). TIMINT (bit 7)
 * reads 1 from the underflow until that latching read. All arithmetic is modulo 2^32 like the
 * reference's unsigned/int mix, so the stamps survive the per-frame cycle rebasing. */
#include "console.h"

void riot_power_on(Console *c) {
  for (int i = 0; i < 128; i++) c->riot.ram[i] = (uint8_t)mt_next(&c->rng);
  riot_reset(c);   /* the reference's constructor ends with a reset, which draws once more */
}

void riot_reset(Console *c) {
  Riot *r = &c->riot;
  r->timer = 25 + (mt_next(&c->rng) % 75);
  r->intervalShift = 6;
  r->cyclesWhenTimerSet = 0;
  r->cyclesWhenInterruptReset = 0;
  r->timerReadAfterInterrupt = 0;
  r->ddra = 0;
  r->ddrb = 0;
}

void riot_cycles_reset(Console *c) {
  c->riot.cyclesWhenTimerSet = (int32_t)((uint32_t)c->riot.cyclesWhenTimerSet - c->cycles);
  c->riot.cyclesWhenInterruptReset = (int32_t)((uint32_t)c->riot.cyclesWhenInterruptReset - c->cycles);
}

/* Intervals elapsed-based count: timer - (delta >> shift) - 1, with delta measured from the
 * cycle before the current one (the reference reads at cycles-1). */
static inline int32_t riot_count(const Riot *r, uint32_t cycles, uint32_t *deltaOut) {
  uint32_t delta = (cycles - 1u) - (uint32_t)r->cyclesWhenTimerSet;
  *deltaOut = delta;
  return (int32_t)(r->timer - (delta >> r->intervalShift) - 1u);
}

static uint8_t riot_read_timer(Console *c) {
  Riot *r = &c->riot;
  uint32_t delta;
  int32_t t = riot_count(r, c->cycles, &delta);
  if (t >= 0) return (uint8_t)t;

  /* Past underflow: cycles left to the programmed end point, minus one. */
  t = (int32_t)((r->timer << r->intervalShift) - delta - 1u);
  if (t <= -2 && !r->timerReadAfterInterrupt) {
    r->timerReadAfterInterrupt = 1;
    r->cyclesWhenInterruptReset = (int32_t)c->cycles;
  }
  if (r->timerReadAfterInterrupt) {
    uint32_t offset = (uint32_t)r->cyclesWhenInterruptReset -
                      ((uint32_t)r->cyclesWhenTimerSet + (r->timer << r->intervalShift));
    t = (int32_t)(r->timer - (delta >> r->intervalShift) - offset);
  }
  return (uint8_t)t;
}

uint8_t riot_peek(Console *c, uint16_t addr) {
  if (!(addr & 0x0200)) return c->riot.ram[addr & 0x7f];
  switch (addr & 0x07) {
    case 0: return c->swcha;        /* controller pins only: DDRA is not applied (ALE_FACTS 8) */
    case 1: return c->riot.ddra;
    case 2: return c->swchb;        /* console switches; the reference ignores DDRB here too */
    case 3: return c->riot.ddrb;
    case 4: case 6: return riot_read_timer(c);
    default: {                      /* 5, 7: interrupt flag; reading it changes nothing */
      uint32_t delta;
      int32_t t = riot_count(&c->riot, c->cycles, &delta);
      return (t >= 0 || c->riot.timerReadAfterInterrupt) ? 0x00 : 0x80;
    }
  }
}

void riot_poke(Console *c, uint16_t addr, uint8_t value) {
  Riot *r = &c->riot;
  if (!(addr & 0x0200)) { r->ram[addr & 0x7f] = value; return; }
  switch (addr & 0x07) {
    case 0: return;                 /* port A output: joysticks/paddles ignore it */
    case 1: r->ddra = value; return;
    case 2: return;                 /* port B is input only */
    case 3: return;                 /* the reference ignores DDRB writes (it stays 0) */
    default: break;
  }
  if ((addr & 0x14) == 0x14) {      /* TIM1T, TIM8T, TIM64T, T1024T at A0-A1 = 0..3 */
    static const uint8_t kShift[4] = {0, 3, 6, 10};
    r->timer = value;
    r->intervalShift = kShift[addr & 0x03];
    r->cyclesWhenTimerSet = (int32_t)c->cycles;
    r->timerReadAfterInterrupt = 0;
  }
  /* (addr & 0x14) == 0x04: edge-detect control, no effect in the reference. */
}
