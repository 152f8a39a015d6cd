/* TIA: video, collisions, input ports, and the frame loop. Owned by tia.c.
 *
 * Model (the reference's, see tia.c): the picture is drawn lazily. Every TIA access first
 * "catches up" the frame buffer to the colour clock of the access (plus a per-register write
 * delay), then changes the register. Objects are kept as 160-pixel line bitmaps that are
 * rebuilt only when a register that shapes them changes. */
#ifndef ARCADE_TIA_H
#define ARCADE_TIA_H
#include <stdint.h>
struct Console;

#define TIA_WIDTH 160
#define TIA_MAX_HEIGHT 300

typedef struct TiaConfig {
  uint32_t ystart;        /* first scanline shown (default 34) */
  uint32_t height;        /* lines shown (210 NTSC, 250 PAL) */
  uint32_t maxScanlines;  /* 290 NTSC, 342 PAL: frame forced to end after this (ALE_FACTS 6) */
  uint8_t hmoveBlanks;    /* 1 = draw the HMOVE blank (per ROM property) */
  uint8_t pal;            /* 1 = PAL colour loss rule */
} TiaConfig;

/* One scanline's worth of pixels as bits: bit x of the 192-bit value = pixel x (0..159);
 * bits 160..191 are always 0. */
typedef struct TiaLine { uint64_t w[3]; } TiaLine;

typedef struct Tia {
  TiaConfig config;
  uint8_t frameBuffers[2][TIA_WIDTH * TIA_MAX_HEIGHT];
  uint8_t current;              /* index of the buffer being drawn */
  uint8_t partialFrame;         /* last update ended without finishing the frame */
  uint32_t scanlinesLastFrame;

  /* ---- frame timing, in colour clocks on the same time base as c->cycles * 3 ---- */
  int32_t clkFrameStart;     /* colour clock at which the current frame began (<= 0 after a rebase) */
  int32_t clkDisplayStart;   /* first drawn clock (frame start + 228 * ystart) */
  int32_t clkDisplayStop;    /* clock after the last drawn line */
  int32_t clkDrawn;          /* the picture is up to date until this clock */
  int32_t clocksToLineEnd;   /* clocks left on the line being drawn (228 = at the start of a line) */
  int32_t clkVsyncEnd;       /* VSYNC off at or after this clock ends the frame */
  int32_t clkLastHmove;      /* clock of the last HMOVE write (for the positioning special cases) */
  int32_t clkPending;        /* drawing owed up to here (writes that change no drawing state) */
  int32_t drawPos;           /* index in the current buffer of the next pixel to draw */
  uint32_t currentScanline;  /* scanlines since the frame start, measured after each update */
  uint8_t frameGreyed;       /* the partial frame has already been dimmed once */

  /* ---- registers as written ---- */
  uint8_t vsync, vblank, ctrlpf;
  uint8_t nusiz[2];
  uint8_t refp[2];           /* 1 = reflected */
  uint8_t grp[2], grpOld[2]; /* new and vertically-delayed ("old") player graphics */
  uint8_t enam[2], resmp[2];
  uint8_t enabl, enablOld;
  uint8_t vdelp[2], vdelbl;
  uint8_t hm[5];             /* motion nibble (value >> 4, 0..15) for P0 P1 M0 M1 BL */
  uint8_t colour[4];         /* palette index of BK, PF, P0, P1 (bit 0 = PAL colour loss) */
  uint32_t pf;               /* bits 0-3 PF0 D4-D7, 4-11 PF1 D0-D7, 12-19 PF2 D0-D7 */

  /* ---- derived drawing state ---- */
  int16_t pos[5];            /* first pixel of P0 P1 M0 M1 BL (0..159) */
  uint8_t grpShown[2];       /* graphics being shown: old or new, reflected if REFPx */
  uint8_t objects;           /* TIA_OBJ_* bits of the objects that can currently show */
  uint8_t prioScore;         /* CTRLPF priority (0x80) and score (0x40) bits */
  uint8_t pfReflect;         /* reflection the playfield is drawn with on this line */
  uint8_t skipFirstCopy[2];  /* player's first copy suppressed until the line ends (RESPx) */
  uint8_t m0Shape;           /* 0 normal, 1 widened, 2 hidden (the Cosmic Ark missile quirk) */
  uint8_t cosmicArk;         /* Cosmic Ark missile quirk active */
  uint8_t cosmicArkStep;
  uint8_t hmoveBlank;        /* black out pixels 0..7 of the line being drawn */
  uint8_t dumpEnabled;       /* VBLANK bit 7: paddle capacitors grounded */
  int32_t dumpReleasedCycle; /* c->cycles when the dump was last released */
  uint16_t collisions;       /* 15 latches, bit order of the reference (see tia.c) */

  TiaLine pfLine;            /* playfield pixels (PF & reflection) */
  TiaLine playerLine[2];     /* player pixels (graphics applied) */
  TiaLine playerSpan[2];     /* pixels covered by the player copies whatever the graphics */
  TiaLine missileLine[2];    /* missile pixels (not gated by ENAMx/RESMPx) */
  TiaLine ballLine;          /* ball pixels (not gated by ENABL) */
} Tia;

/* Resets registers, positions, collisions and both frame buffers; reads config (set it first).
 * Like the reference it leaves partialFrame / the greyed flag alone: a fresh Console must start
 * zeroed (mem_set) before the first tia_reset. */
void tia_reset(struct Console *c);
uint8_t tia_peek(struct Console *c, uint16_t addr);
void tia_poke(struct Console *c, uint16_t addr, uint8_t value);
void tia_cycles_reset(struct Console *c);
/* Emulates one frame (ALE_FACTS 6): run the CPU until VSYNC ends the frame, the scanline
 * limit is passed, or 25,000 instructions have run. */
void tia_update_frame(struct Console *c);
/* The finished frame (palette indices, config.height rows of 160). */
const uint8_t *tia_screen(const struct Console *c);
const uint8_t *tia_previous_screen(const struct Console *c);

#endif
