/* CPU unit tests: one block per instruction family, checking results, flags, cycle counts
 * (base + page-cross + branch extras, added before the data access), bus side effects, the
 * reference's decimal-mode and undocumented-opcode behaviour, and JAM handling. Programs run
 * from a 4K cartridge image at $F000 with the zero page/stack in RIOT RAM, like on a 2600.
 * The last test runs test/asm/functional.asm (assembled into functional_bin.h). */
#include <time.h>
#include "test_common.h"
#include "asm/functional_bin.h"

enum { FN = 0x80, FV = 0x40, FD = 0x08, FI = 0x04, FZ = 0x02, FC = 0x01 };

static uint8_t rom[4096];
static Console *c;

static void setup(void) {
  fake_tia_clear();
  memset(c, 0, sizeof *c);
  memset(rom, 0xea, sizeof rom);       /* NOP everywhere */
  rom[0xffc] = 0x00; rom[0xffd] = 0xf0; /* reset -> $F000 */
  rom[0xffe] = 0x00; rom[0xfff] = 0xf8; /* BRK/IRQ -> $F800 */
  if (cart_init(c, rom, sizeof rom, CART_4K) != 0) { printf("cart_init failed\n"); exit(2); }
  cpu_reset(c);
  c->cycles = 0;
}

/* Writes bytes at a CPU address in the ROM image ($F000-$FFFF). */
static void put(uint16_t addr, const uint8_t *bytes, int n) {
  for (int i = 0; i < n; i++) rom[(addr + i) & 0xfff] = bytes[i];
}
#define PUT(addr, ...) do { const uint8_t b_[] = {__VA_ARGS__}; put(addr, b_, (int)sizeof b_); } while (0)

/* Runs one instruction, returns the cycles it took. */
static uint32_t step(void) {
  uint32_t before = c->cycles;
  uint32_t n = cpu_run(c, 1);
  if (n != 1 && !c->cpu.jammed) printf("note: cpu_run executed %u instructions\n", n);
  return c->cycles - before;
}

static uint8_t ram(uint8_t zp) { return c->riot.ram[zp & 0x7f]; }
static void set_ram(uint8_t zp, uint8_t v) { c->riot.ram[zp & 0x7f] = v; }
#define FLAGS(mask) (c->cpu.p & (mask))

/* ---------------------------------------------------------------------------------------- */
static void test_reset(void) {
  setup();
  CHECK_EQ(c->cpu.pc, 0xf000, "reset PC from $FFFC");
  CHECK_EQ(c->cpu.sp, 0xff, "reset SP");
  CHECK_EQ(c->cpu.p, 0x30, "reset P (B and bit 5 read as 1)");
  CHECK_EQ(c->cpu.a | c->cpu.x | c->cpu.y, 0, "reset A/X/Y");
}

static void test_loads_stores(void) {
  setup();
  PUT(0xf000, 0xa9, 0x80);              /* LDA #$80 */
  CHECK_EQ(step(), 2, "LDA # cycles");
  CHECK_EQ(c->cpu.a, 0x80, "LDA # value");
  CHECK_EQ(FLAGS(FN | FZ), FN, "LDA # N set, Z clear");

  setup();
  PUT(0xf000, 0xa2, 0x00);              /* LDX #0 */
  step();
  CHECK_EQ(FLAGS(FN | FZ), FZ, "LDX #0 sets Z");

  setup();
  set_ram(0x85, 0x42);
  PUT(0xf000, 0xa5, 0x85);              /* LDA $85 */
  CHECK_EQ(step(), 3, "LDA zp cycles");
  CHECK_EQ(c->cpu.a, 0x42, "LDA zp value");

  setup();
  set_ram(0x81, 0x17);
  c->cpu.x = 0x82;
  PUT(0xf000, 0xb5, 0xff);              /* LDA $FF,X wraps to $81 */
  CHECK_EQ(step(), 4, "LDA zp,X cycles");
  CHECK_EQ(c->cpu.a, 0x17, "LDA zp,X wraps within zero page");

  setup();
  set_ram(0x90, 0x99);
  c->cpu.y = 0x10;
  PUT(0xf000, 0xb6, 0x80);              /* LDX $80,Y */
  CHECK_EQ(step(), 4, "LDX zp,Y cycles");
  CHECK_EQ(c->cpu.x, 0x99, "LDX zp,Y value");

  setup();
  PUT(0xf000, 0xad, 0x34, 0xf2);        /* LDA $F234 */
  rom[0x234] = 0x5a;
  CHECK_EQ(step(), 4, "LDA abs cycles");
  CHECK_EQ(c->cpu.a, 0x5a, "LDA abs value");

  setup();
  c->cpu.x = 0x10;
  PUT(0xf000, 0xbd, 0x20, 0xf3);        /* LDA $F320,X: no page cross */
  rom[0x330] = 0x11;
  CHECK_EQ(step(), 4, "LDA abs,X no cross");
  CHECK_EQ(c->cpu.a, 0x11, "LDA abs,X value");

  setup();
  c->cpu.x = 0x20;
  PUT(0xf000, 0xbd, 0xf0, 0xf3);        /* LDA $F3F0,X -> $F410: page cross */
  rom[0x410] = 0x22;
  CHECK_EQ(step(), 5, "LDA abs,X page cross +1");
  CHECK_EQ(c->cpu.a, 0x22, "LDA abs,X cross value");

  setup();
  c->cpu.y = 0xff;
  PUT(0xf000, 0xbe, 0x01, 0xf3);        /* LDX $F301,Y -> $F400 */
  rom[0x400] = 0x33;
  CHECK_EQ(step(), 5, "LDX abs,Y page cross");
  CHECK_EQ(c->cpu.x, 0x33, "LDX abs,Y value");

  setup();
  c->cpu.x = 0x01;
  PUT(0xf000, 0xbc, 0xff, 0xf4);        /* LDY $F4FF,X -> $F500 */
  rom[0x500] = 0x44;
  CHECK_EQ(step(), 5, "LDY abs,X page cross");
  CHECK_EQ(c->cpu.y, 0x44, "LDY abs,X value");

  /* (zp,X) and (zp),Y */
  setup();
  c->cpu.x = 0x04;
  set_ram(0x84, 0x00); set_ram(0x85, 0xf6);
  rom[0x600] = 0x66;
  PUT(0xf000, 0xa1, 0x80);              /* LDA ($80,X) */
  CHECK_EQ(step(), 6, "LDA (zp,X) cycles");
  CHECK_EQ(c->cpu.a, 0x66, "LDA (zp,X) value");

  setup();
  c->cpu.y = 0x05;
  set_ram(0x90, 0x00); set_ram(0x91, 0xf6);
  rom[0x605] = 0x77;
  PUT(0xf000, 0xb1, 0x90);              /* LDA ($90),Y no cross */
  CHECK_EQ(step(), 5, "LDA (zp),Y no cross");
  CHECK_EQ(c->cpu.a, 0x77, "LDA (zp),Y value");

  setup();
  c->cpu.y = 0x10;
  set_ram(0x90, 0xf8); set_ram(0x91, 0xf6);
  rom[0x708] = 0x78;
  PUT(0xf000, 0xb1, 0x90);              /* LDA ($90),Y -> $F708 crosses */
  CHECK_EQ(step(), 6, "LDA (zp),Y page cross +1");
  CHECK_EQ(c->cpu.a, 0x78, "LDA (zp),Y cross value");

  /* The reference does not wrap the pointer fetch: ($FF),Y takes its high byte from $0100,
   * which on the 2600 is a TIA read. */
  setup();
  c->cpu.y = 0;
  set_ram(0xff, 0x34);
  g_tia.readValue[0] = 0xf2;            /* $0100 -> TIA register 0 */
  rom[0x234] = 0xab;
  PUT(0xf000, 0xb1, 0xff);              /* LDA ($FF),Y */
  step();
  CHECK_EQ(c->cpu.a, 0xab, "($FF),Y high byte read from $0100");
  CHECK_EQ(g_tia.lastReadAddr, 0x0100, "pointer high byte address $0100");

  setup();
  c->cpu.x = 0x01;
  set_ram(0xff, 0x35);
  g_tia.readValue[0] = 0xf2;
  rom[0x235] = 0xcd;
  PUT(0xf000, 0xa1, 0xfe);              /* LDA ($FE,X): pointer $FF, high byte from $0100 */
  step();
  CHECK_EQ(c->cpu.a, 0xcd, "($FE,X) with X=1 reads high byte from $0100");

  /* Stores: no page-cross extra, writes land in RAM / TIA. */
  setup();
  c->cpu.a = 0x5e; c->cpu.x = 0x03; c->cpu.y = 0x04;
  PUT(0xf000, 0x85, 0x80,               /* STA $80      3 */
              0x95, 0x80,               /* STA $80,X    4 */
              0x8d, 0x88, 0x00,         /* STA $0088    4 */
              0x9d, 0xff, 0x00,         /* STA $00FF,X  5 -> $0102 (TIA) */
              0x99, 0x90, 0x00,         /* STA $0090,Y  5 */
              0x86, 0xa0,               /* STX $A0      3 */
              0x96, 0xa0,               /* STX $A0,Y    4 */
              0x8e, 0xa8, 0x00,         /* STX $00A8    4 */
              0x84, 0xb0,               /* STY $B0      3 */
              0x94, 0xb0,               /* STY $B0,X    4 */
              0x8c, 0xb8, 0x00);        /* STY $00B8    4 */
  static const uint32_t cyc[] = {3, 4, 4, 5, 5, 3, 4, 4, 3, 4, 4};
  for (int i = 0; i < 11; i++) { uint32_t got = step(); CHECK_EQ(got, cyc[i], "store cycles"); }
  CHECK_EQ(ram(0x80), 0x5e, "STA zp"); CHECK_EQ(ram(0x83), 0x5e, "STA zp,X");
  CHECK_EQ(ram(0x88), 0x5e, "STA abs"); CHECK_EQ(ram(0x94), 0x5e, "STA abs,Y");
  CHECK_EQ(g_tia.nlog, 1, "one TIA write"); CHECK_EQ(g_tia.log[0].addr, 0x0102, "STA abs,X address");
  CHECK_EQ(ram(0xa0), 0x03, "STX zp"); CHECK_EQ(ram(0xa4), 0x03, "STX zp,Y"); CHECK_EQ(ram(0xa8), 0x03, "STX abs");
  CHECK_EQ(ram(0xb0), 0x04, "STY zp"); CHECK_EQ(ram(0xb3), 0x04, "STY zp,X"); CHECK_EQ(ram(0xb8), 0x04, "STY abs");

  setup();
  c->cpu.a = 0x21; c->cpu.y = 0x10;
  set_ram(0x80, 0xf8); set_ram(0x81, 0x00);
  PUT(0xf000, 0x91, 0x80,               /* STA ($80),Y -> $0108 (TIA), 6 cycles, crossing */
              0x81, 0x80);              /* STA ($80,X) with X=0 -> $00F8 (RAM) */
  CHECK_EQ(step(), 6, "STA (zp),Y cycles (no cross extra)");
  CHECK_EQ(g_tia.log[0].addr, 0x0108, "STA (zp),Y address");
  CHECK_EQ(step(), 6, "STA (zp,X) cycles");
  CHECK_EQ(ram(0xf8), 0x21, "STA (zp,X) value");
}

/* The whole base cycle count is on the clock before the data access; a page-cross cycle is
 * added before the read too. */
static void test_access_timing(void) {
  setup();
  c->cpu.a = 0x01;
  PUT(0xf000, 0x85, 0x02,               /* STA WSYNC: write sees cycles = 3 */
              0x8d, 0x05, 0x00,         /* STA $0005: sees 3+4 = 7 */
              0xa5, 0x30,               /* LDA $30: read at 7+3 = 10 */
              0xbd, 0xf0, 0x00);        /* LDA $00F0,X (X=$20 -> $0110): read at 10+4+1 = 15 */
  c->cpu.x = 0x20;
  step(); CHECK_EQ(g_tia.log[0].cycles, 3, "zp store after base cycles");
  step(); CHECK_EQ(g_tia.log[1].cycles, 7, "abs store after base cycles");
  step(); CHECK_EQ(g_tia.lastReadCycles, 10, "zp read after base cycles");
  step(); CHECK_EQ(g_tia.lastReadCycles, 15, "page-cross cycle added before the read");
  CHECK_EQ(g_tia.lastReadAddr, 0x0110, "abs,X address");

  /* RMW on a TIA address: one read, one write, both after the base cycles. */
  setup();
  PUT(0xf000, 0xe6, 0x10);              /* INC $10 */
  g_tia.readValue[0] = 0x41;
  CHECK_EQ(step(), 5, "INC zp cycles");
  CHECK_EQ(g_tia.reads, 1, "RMW reads once");
  CHECK_EQ(g_tia.nlog, 1, "RMW writes once");
  CHECK_EQ(g_tia.log[0].value, 0x42, "RMW written value");
}

static void test_alu(void) {
  struct { uint8_t op, a, m, pin; uint8_t res, pmask, pout; const char *what; } cases[] = {
    /* binary ADC */
    {0x69, 0x50, 0x50, 0, 0xa0, FN | FV | FZ | FC, FN | FV, "ADC 50+50 overflow"},
    {0x69, 0xff, 0x01, 0, 0x00, FN | FV | FZ | FC, FZ | FC, "ADC FF+01 carry zero"},
    {0x69, 0x80, 0xff, 0, 0x7f, FN | FV | FZ | FC, FV | FC, "ADC 80+FF overflow carry"},
    {0x69, 0x01, 0x01, FC, 0x03, FN | FV | FZ | FC, 0, "ADC carry in"},
    {0x69, 0x7f, 0x00, FC, 0x80, FN | FV | FZ | FC, FN | FV, "ADC 7F+0+C overflow"},
    /* binary SBC */
    {0xe9, 0x50, 0xf0, FC, 0x60, FN | FV | FZ | FC, 0, "SBC 50-F0 borrow"},
    {0xe9, 0x50, 0xb0, FC, 0xa0, FN | FV | FZ | FC, FN | FV, "SBC 50-B0 overflow"},
    {0xe9, 0xd0, 0x70, FC, 0x60, FN | FV | FZ | FC, FV | FC, "SBC D0-70 overflow carry"},
    {0xe9, 0x05, 0x05, FC, 0x00, FN | FV | FZ | FC, FZ | FC, "SBC equal"},
    {0xe9, 0x05, 0x04, 0, 0x00, FN | FV | FZ | FC, FZ | FC, "SBC borrow in"},
    {0xeb, 0x10, 0x01, FC, 0x0f, FN | FV | FZ | FC, FC, "undocumented SBC $EB"},
    /* decimal ADC (the reference takes N/Z from the BCD result) */
    {0x69, 0x09, 0x01, FD, 0x10, FN | FV | FZ | FC, 0, "BCD 09+01"},
    {0x69, 0x12, 0x34, FD, 0x46, FN | FV | FZ | FC, 0, "BCD 12+34"},
    {0x69, 0x58, 0x46, FD | FC, 0x05, FN | FV | FZ | FC, FC, "BCD 58+46+1"},
    {0x69, 0x99, 0x01, FD, 0x00, FN | FV | FZ | FC, FZ | FC, "BCD 99+01 wraps, Z from result"},
    {0x69, 0x79, 0x00, FD | FC, 0x80, FN | FV | FZ | FC, FN | FV, "BCD 79+00+1 sets V and N"},
    {0x69, 0x0f, 0x00, FD, 0x15, FN | FV | FZ | FC, 0, "BCD invalid digit 0F counts 15"},
    {0x69, 0xff, 0xff, FD | FC, 0x75, FN | FV | FZ | FC, FV | FC, "BCD FF+FF+1 = 331 -> (331&255)=75"},
    /* decimal SBC (carry compares the raw bytes) */
    {0xe9, 0x46, 0x12, FD | FC, 0x34, FN | FV | FZ | FC, FC, "BCD 46-12"},
    {0xe9, 0x40, 0x13, FD | FC, 0x27, FN | FV | FZ | FC, FC, "BCD 40-13"},
    {0xe9, 0x00, 0x01, FD | FC, 0x99, FN | FV | FZ | FC, FN | FV, "BCD 00-01 borrows"},
    {0xe9, 0x00, 0x01, FD, 0x98, FN | FV | FZ | FC, FN | FV, "BCD 00-01-1"},
    {0xe9, 0x10, 0x0a, FD, 0x99, FN | FV | FZ | FC, FN | FV | FC, "BCD 10-0A-1: C from raw bytes"},
    {0xe9, 0x10, 0x0a, FD | FC, 0x00, FN | FV | FZ | FC, FZ | FC, "BCD 10-0A (digit A counts 10)"},
    {0xe9, 0x00, 0xff, FD, 0x7c, FN | FV | FZ | FC, 0, "BCD 00-FF-1 = -166: reference table quirk"},
    {0xe9, 0x80, 0x01, FD | FC, 0x79, FN | FV | FZ | FC, FC, "BCD 80-01: V from BCD result (0, unlike NMOS)"},
    /* logic, compare, BIT */
    {0x29, 0xf0, 0x3c, 0, 0x30, FN | FZ, 0, "AND"},
    {0x29, 0xf0, 0x0f, 0, 0x00, FN | FZ, FZ, "AND zero"},
    {0x09, 0x80, 0x01, 0, 0x81, FN | FZ, FN, "ORA"},
    {0x49, 0xff, 0x0f, 0, 0xf0, FN | FZ, FN, "EOR"},
    {0xc9, 0x40, 0x41, 0, 0x40, FN | FZ | FC, FN, "CMP less"},
    {0xc9, 0x40, 0x40, 0, 0x40, FN | FZ | FC, FZ | FC, "CMP equal"},
    {0xc9, 0x40, 0x3f, 0, 0x40, FN | FZ | FC, FC, "CMP greater"},
    {0xc9, 0x00, 0x80, 0, 0x00, FN | FZ | FC, FN, "CMP 00-80"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    setup();
    c->cpu.a = cases[i].a;
    c->cpu.p = 0x30 | cases[i].pin;
    PUT(0xf000, cases[i].op, cases[i].m);
    CHECK_EQ(step(), 2, cases[i].what);
    CHECK_EQ(c->cpu.a, cases[i].res, cases[i].what);
    CHECK_EQ(c->cpu.p & cases[i].pmask, cases[i].pout, cases[i].what);
  }

  /* CPX/CPY, BIT */
  setup();
  c->cpu.x = 0x10; c->cpu.y = 0x20;
  set_ram(0x80, 0x10); set_ram(0x81, 0xc0);
  c->cpu.a = 0x3f;
  PUT(0xf000, 0xe4, 0x80,               /* CPX $80 -> equal */
              0xc0, 0x21,               /* CPY #$21 -> less */
              0x24, 0x81,               /* BIT $81: A&$C0 = 0 -> Z, N and V from memory */
              0x2c, 0x81, 0x00);        /* BIT $0081 */
  CHECK_EQ(step(), 3, "CPX zp cycles"); CHECK_EQ(FLAGS(FZ | FC | FN), FZ | FC, "CPX equal");
  CHECK_EQ(step(), 2, "CPY # cycles"); CHECK_EQ(FLAGS(FZ | FC | FN), FN, "CPY less");
  CHECK_EQ(step(), 3, "BIT zp cycles"); CHECK_EQ(FLAGS(FZ | FN | FV), FZ | FN | FV, "BIT flags");
  CHECK_EQ(step(), 4, "BIT abs cycles"); CHECK_EQ(c->cpu.a, 0x3f, "BIT keeps A");
}

static void test_shifts_incdec(void) {
  setup();
  c->cpu.a = 0x81;
  PUT(0xf000, 0x0a, 0x0a, 0x4a, 0x38, 0x6a, 0x2a);  /* ASL A; ASL A; LSR A; SEC; ROR A; ROL A */
  step(); CHECK_EQ(c->cpu.a, 0x02, "ASL A"); CHECK_EQ(FLAGS(FC), FC, "ASL A carry");
  step(); CHECK_EQ(c->cpu.a, 0x04, "ASL A 2"); CHECK_EQ(FLAGS(FC), 0, "ASL A no carry");
  step(); CHECK_EQ(c->cpu.a, 0x02, "LSR A");
  step(); CHECK_EQ(step(), 2, "ROR A cycles"); CHECK_EQ(c->cpu.a, 0x81, "ROR A with carry in");
  CHECK_EQ(FLAGS(FC | FN), FN, "ROR A flags");
  step(); CHECK_EQ(c->cpu.a, 0x02, "ROL A"); CHECK_EQ(FLAGS(FC), FC, "ROL A carry out");

  setup();
  set_ram(0x80, 0x40); set_ram(0x85, 0x01); set_ram(0x90, 0x80); set_ram(0x91, 0x00);
  c->cpu.x = 0x05;
  PUT(0xf000, 0x06, 0x80,               /* ASL $80      5  -> 80, N */
              0x56, 0x80,               /* LSR $80,X    6  -> $85: 00, C, Z */
              0x2e, 0x90, 0x00,         /* ROL $0090    6  -> 01 (C in), C out */
              0x7e, 0x8c, 0x00,         /* ROR $008C,X  7  -> $91: 80 (C in) */
              0xc6, 0x91,               /* DEC $91      5  -> 7F */
              0xfe, 0xfb, 0x00,         /* INC $00FB,X  7  -> $0100 (TIA) */
              0xee, 0x91, 0x00,         /* INC $0091    6  -> 80 */
              0xd6, 0x8c,               /* DEC $8C,X    6  -> $91: 7F */
              0xe8, 0xc8, 0xca, 0x88);  /* INX INY DEX DEY */
  CHECK_EQ(step(), 5, "ASL zp cycles"); CHECK_EQ(ram(0x80), 0x80, "ASL zp"); CHECK_EQ(FLAGS(FN | FC), FN, "ASL zp flags");
  CHECK_EQ(step(), 6, "LSR zp,X cycles"); CHECK_EQ(ram(0x85), 0x00, "LSR zp,X"); CHECK_EQ(FLAGS(FZ | FC), FZ | FC, "LSR flags");
  CHECK_EQ(step(), 6, "ROL abs cycles"); CHECK_EQ(ram(0x90), 0x01, "ROL abs"); CHECK_EQ(FLAGS(FC), FC, "ROL carry");
  CHECK_EQ(step(), 7, "ROR abs,X cycles"); CHECK_EQ(ram(0x91), 0x80, "ROR abs,X");
  CHECK_EQ(step(), 5, "DEC zp cycles"); CHECK_EQ(ram(0x91), 0x7f, "DEC zp");
  CHECK_EQ(step(), 7, "INC abs,X page cross, no extra"); CHECK_EQ(g_tia.log[0].addr, 0x0100, "INC abs,X address");
  CHECK_EQ(step(), 6, "INC abs cycles"); CHECK_EQ(ram(0x91), 0x80, "INC abs"); CHECK_EQ(FLAGS(FN | FZ), FN, "INC flags");
  CHECK_EQ(step(), 6, "DEC zp,X cycles"); CHECK_EQ(ram(0x91), 0x7f, "DEC zp,X");
  step(); step(); step(); step();
  CHECK_EQ(c->cpu.x, 0x05, "INX/DEX"); CHECK_EQ(c->cpu.y, 0x00, "INY/DEY"); CHECK_EQ(FLAGS(FZ), FZ, "DEY to zero");

  setup();
  c->cpu.a = 0x80;
  PUT(0xf000, 0xaa, 0xa8, 0xa9, 0x00, 0x8a, 0x98, 0xba, 0x9a);  /* TAX TAY LDA#0 TXA TYA TSX TXS */
  step(); step(); CHECK_EQ(c->cpu.x, 0x80, "TAX"); CHECK_EQ(c->cpu.y, 0x80, "TAY");
  step(); step(); CHECK_EQ(c->cpu.a, 0x80, "TXA"); CHECK_EQ(FLAGS(FN), FN, "TXA N");
  step(); CHECK_EQ(c->cpu.a, 0x80, "TYA");
  c->cpu.sp = 0x00;
  step(); CHECK_EQ(c->cpu.x, 0x00, "TSX"); CHECK_EQ(FLAGS(FZ), FZ, "TSX sets Z");
  c->cpu.x = 0x00;                      /* TXS sets no flags even for X=0 */
  c->cpu.p = 0x30 | FN | FV | FD | FI | FC;
  step(); CHECK_EQ(c->cpu.sp, 0x00, "TXS"); CHECK_EQ(c->cpu.p, 0x30 | FN | FV | FD | FI | FC, "TXS leaves every flag");
}

static void test_flags_branches(void) {
  setup();
  PUT(0xf000, 0x38, 0xf8, 0x78, 0x18, 0xd8, 0x58, 0xb8);
  step(); CHECK_EQ(FLAGS(FC), FC, "SEC");
  step(); CHECK_EQ(FLAGS(FD), FD, "SED");
  step(); CHECK_EQ(FLAGS(FI), FI, "SEI");
  step(); CHECK_EQ(FLAGS(FC), 0, "CLC");
  step(); CHECK_EQ(FLAGS(FD), 0, "CLD");
  step(); CHECK_EQ(FLAGS(FI), 0, "CLI");
  c->cpu.p |= FV;
  step(); CHECK_EQ(FLAGS(FV), 0, "CLV");

  /* Not taken 2, taken same page 3, taken to another page 4 (page of the NEXT instruction). */
  struct { uint8_t op, p; int taken; } br[] = {
    {0x10, 0, 1}, {0x10, FN, 0}, {0x30, FN, 1}, {0x30, 0, 0}, {0x50, 0, 1}, {0x50, FV, 0},
    {0x70, FV, 1}, {0x70, 0, 0}, {0x90, 0, 1}, {0x90, FC, 0}, {0xb0, FC, 1}, {0xb0, 0, 0},
    {0xd0, 0, 1}, {0xd0, FZ, 0}, {0xf0, FZ, 1}, {0xf0, 0, 0},
  };
  for (size_t i = 0; i < sizeof br / sizeof br[0]; i++) {
    setup();
    c->cpu.p = 0x30 | br[i].p;
    PUT(0xf000, br[i].op, 0x10);
    uint32_t cy = step();
    CHECK_EQ(cy, br[i].taken ? 3 : 2, "branch cycles same page");
    CHECK_EQ(c->cpu.pc, br[i].taken ? 0xf012 : 0xf002, "branch target");
  }
  setup();
  c->cpu.pc = 0xf0f0;
  PUT(0xf0f0, 0xd0, 0x10);              /* BNE from $F0F2 to $F102: crosses */
  CHECK_EQ(step(), 4, "branch forward across page");
  CHECK_EQ(c->cpu.pc, 0xf102, "forward target");
  setup();
  c->cpu.pc = 0xf0fe;
  PUT(0xf0fe, 0xd0, 0x00);              /* BNE +0 at $F0FE: next is $F100, target $F100 same page */
  CHECK_EQ(step(), 3, "branch compares with the next instruction's page");
  setup();
  c->cpu.pc = 0xf0fd;
  PUT(0xf0fd, 0xd0, 0xfd);              /* BNE -3 from $F0FF to $F0FC: same page */
  CHECK_EQ(step(), 3, "backward branch same page");
  CHECK_EQ(c->cpu.pc, 0xf0fc, "backward target");
  setup();
  c->cpu.pc = 0xf102;
  PUT(0xf102, 0xd0, 0xf0);              /* BNE -16 from $F104 to $F0F4 */
  CHECK_EQ(step(), 4, "backward branch across page");
  CHECK_EQ(c->cpu.pc, 0xf0f4, "backward cross target");
}

static void test_stack_jumps(void) {
  setup();
  c->cpu.a = 0x5a;
  c->cpu.p = 0x30 | FN | FC;
  PUT(0xf000, 0x48, 0x08, 0xa9, 0x00, 0x28, 0x68);  /* PHA PHP LDA#0 PLP PLA */
  CHECK_EQ(step(), 3, "PHA cycles"); CHECK_EQ(ram(0xff), 0x5a, "PHA to $01FF (RIOT RAM)");
  CHECK_EQ(step(), 3, "PHP cycles"); CHECK_EQ(ram(0xfe), 0x30 | FN | FC, "PHP pushes B and bit 5 set");
  CHECK_EQ(c->cpu.sp, 0xfd, "SP after pushes");
  step();
  CHECK_EQ(step(), 4, "PLP cycles"); CHECK_EQ(c->cpu.p, 0x30 | FN | FC, "PLP restores");
  CHECK_EQ(step(), 4, "PLA cycles"); CHECK_EQ(c->cpu.a, 0x5a, "PLA value"); CHECK_EQ(c->cpu.sp, 0xff, "SP back");

  setup();
  PUT(0xf000, 0x20, 0x00, 0xf4);        /* JSR $F400 */
  PUT(0xf400, 0x60);                    /* RTS */
  CHECK_EQ(step(), 6, "JSR cycles");
  CHECK_EQ(c->cpu.pc, 0xf400, "JSR target");
  CHECK_EQ(ram(0xff), 0xf0, "JSR pushes high byte"); CHECK_EQ(ram(0xfe), 0x02, "JSR pushes return-1 low");
  CHECK_EQ(step(), 6, "RTS cycles");
  CHECK_EQ(c->cpu.pc, 0xf003, "RTS returns after JSR");
  CHECK_EQ(c->cpu.sp, 0xff, "RTS SP");

  setup();
  c->cpu.p = 0x30 | FD | FC;
  PUT(0xf000, 0x00, 0xff);              /* BRK + padding */
  PUT(0xf800, 0x40);                    /* RTI */
  CHECK_EQ(step(), 7, "BRK cycles");
  CHECK_EQ(c->cpu.pc, 0xf800, "BRK vector");
  CHECK_EQ(ram(0xff), 0xf0, "BRK pushes PC high"); CHECK_EQ(ram(0xfe), 0x02, "BRK pushes PC+2 low");
  CHECK_EQ(ram(0xfd), 0x30 | FD | FC, "BRK pushes P with B");
  CHECK_EQ(FLAGS(FI | FD), FI | FD, "BRK sets I, leaves D (reference)");
  CHECK_EQ(step(), 6, "RTI cycles");
  CHECK_EQ(c->cpu.pc, 0xf002, "RTI returns to pushed PC (no +1)");
  CHECK_EQ(c->cpu.p, 0x30 | FD | FC, "RTI restores P");

  setup();
  PUT(0xf000, 0x4c, 0x34, 0xf2);        /* JMP $F234 */
  CHECK_EQ(step(), 3, "JMP abs cycles"); CHECK_EQ(c->cpu.pc, 0xf234, "JMP abs");
  setup();
  PUT(0xf000, 0x6c, 0xff, 0xf2);        /* JMP ($F2FF): high byte from $F200 (6502 bug) */
  rom[0x2ff] = 0x78; rom[0x200] = 0xf5; rom[0x300] = 0xf6;
  CHECK_EQ(step(), 5, "JMP ind cycles"); CHECK_EQ(c->cpu.pc, 0xf578, "JMP ind page wrap bug");
  setup();
  PUT(0xf000, 0x6c, 0x10, 0xf2);
  rom[0x210] = 0x00; rom[0x211] = 0xf3;
  step(); CHECK_EQ(c->cpu.pc, 0xf300, "JMP ind");

  /* Stack wraps within page 1; with SP below $80 pushes hit the TIA ($0100-$017F). */
  setup();
  c->cpu.sp = 0x00; c->cpu.a = 0x77;
  PUT(0xf000, 0x48);                    /* PHA at SP=0 -> $0100 (TIA), SP wraps to $FF */
  step();
  CHECK_EQ(g_tia.nlog, 1, "push to $0100 reaches TIA"); CHECK_EQ(g_tia.log[0].addr, 0x0100, "push address");
  CHECK_EQ(c->cpu.sp, 0xff, "SP wraps");
}

static void test_undocumented(void) {
  /* Immediate-mode ones: op, A, X, operand, P in -> A, X, P mask/out */
  struct { uint8_t op, a, x, m, pin, ra, rx, pmask, pout; const char *what; } im[] = {
    {0x0b, 0x81, 0, 0xff, 0, 0x81, 0, FN | FZ | FC, FN | FC, "ANC $0B carry = N"},
    {0x2b, 0x01, 0, 0xff, FC, 0x01, 0, FN | FZ | FC, 0, "ANC $2B"},
    {0x4b, 0x03, 0, 0xff, 0, 0x01, 0, FN | FZ | FC, FC, "ASR (ALR)"},
    {0x4b, 0x81, 0, 0x80, FC, 0x40, 0, FN | FZ | FC, 0, "ASR shifts in 0"},
    {0x6b, 0xff, 0, 0xff, FC, 0xff, 0, FN | FV | FZ | FC, FN | FC, "ARR binary: C=b6, V=b6^b5"},
    {0x6b, 0xff, 0, 0x40, 0, 0x20, 0, FN | FV | FZ | FC, FV, "ARR binary V"},
    {0x6b, 0xff, 0, 0xff, FD, 0xd5, 0, FN | FV | FZ | FC, FC, "ARR decimal fix-ups"},
    {0x6b, 0x02, 0, 0xff, FD | FC, 0x81, 0, FN | FV | FZ | FC, FN, "ARR decimal N = old C"},
    {0x8b, 0x12, 0x0f, 0xff, 0, 0x0e, 0x0f, FN | FZ, 0, "ANE (A|EE)&X&imm"},
    {0xab, 0x01, 0x55, 0x3c, 0, 0x2c, 0x2c, FN | FZ, 0, "LXA (A|EE)&imm to A and X"},
    {0xcb, 0xf0, 0x3c, 0x10, 0, 0xf0, 0x20, FN | FZ | FC, FC, "SBX no borrow"},
    {0xcb, 0xf0, 0x3c, 0x40, FC, 0xf0, 0xf0, FN | FZ | FC, FN, "SBX borrow"},
    {0xcb, 0xff, 0x10, 0x10, 0, 0xff, 0x00, FN | FZ | FC, FZ | FC, "SBX zero"},
  };
  for (size_t i = 0; i < sizeof im / sizeof im[0]; i++) {
    setup();
    c->cpu.a = im[i].a; c->cpu.x = im[i].x; c->cpu.p = 0x30 | im[i].pin;
    PUT(0xf000, im[i].op, im[i].m);
    CHECK_EQ(step(), 2, im[i].what);
    CHECK_EQ(c->cpu.a, im[i].ra, im[i].what);
    CHECK_EQ(c->cpu.x, im[i].rx, im[i].what);
    CHECK_EQ(c->cpu.p & im[i].pmask, im[i].pout, im[i].what);
  }

  /* LAX / SAX / LAS */
  setup();
  set_ram(0x80, 0x8f); set_ram(0x85, 0x00);
  c->cpu.y = 0x05; c->cpu.sp = 0xf5;
  rom[0x300] = 0x3f;
  PUT(0xf000, 0xa7, 0x80,               /* LAX $80      3 */
              0xb7, 0x80,               /* LAX $80,Y    4 -> $85 = 0 */
              0xaf, 0x80, 0x00,         /* LAX $0080    4 */
              0xbf, 0xfb, 0xf2,         /* LAX $F2FB,Y  5 (cross) -> $F300 */
              0xbb, 0x00, 0xf3);        /* LAS $F300,Y  4 -> $F305 */
  rom[0x305] = 0x3f;
  CHECK_EQ(step(), 4, "LAX zp cycles: 4 in the reference's table (3 on real NMOS parts)"); CHECK_EQ(c->cpu.a, 0x8f, "LAX A"); CHECK_EQ(c->cpu.x, 0x8f, "LAX X");
  CHECK_EQ(step(), 4, "LAX zp,Y cycles"); CHECK_EQ(FLAGS(FZ), FZ, "LAX Z");
  CHECK_EQ(step(), 4, "LAX abs cycles");
  CHECK_EQ(step(), 5, "LAX abs,Y page cross"); CHECK_EQ(c->cpu.x, 0x3f, "LAX abs,Y");
  CHECK_EQ(step(), 4, "LAS cycles");
  CHECK_EQ(c->cpu.sp, 0x35, "LAS SP"); CHECK_EQ(c->cpu.a, 0x35, "LAS A"); CHECK_EQ(c->cpu.x, 0x35, "LAS X");

  setup();
  set_ram(0x90, 0x00); set_ram(0x91, 0x00);
  c->cpu.a = 0xf3; c->cpu.x = 0x3e; c->cpu.y = 0x01;
  PUT(0xf000, 0x87, 0x80,               /* SAX $80     3 */
              0x97, 0x80,               /* SAX $80,Y   4 -> $81 */
              0x8f, 0x82, 0x00,         /* SAX $0082   4 */
              0x83, 0x52);              /* SAX ($52,X) 6 -> ptr $90 -> $0000 (TIA) */
  set_ram(0x90, 0x00); set_ram(0x91, 0x00);
  CHECK_EQ(step(), 3, "SAX zp cycles"); CHECK_EQ(ram(0x80), 0x32, "SAX zp");
  CHECK_EQ(step(), 4, "SAX zp,Y cycles"); CHECK_EQ(ram(0x81), 0x32, "SAX zp,Y");
  CHECK_EQ(step(), 4, "SAX abs cycles"); CHECK_EQ(ram(0x82), 0x32, "SAX abs");
  CHECK_EQ(step(), 6, "SAX (zp,X) cycles"); CHECK_EQ(g_tia.log[0].value, 0x32, "SAX (zp,X)");

  /* SHA/SHX/SHY/SHS store reg & (high byte + 1). Targets in page 0 -> & 1. */
  setup();
  c->cpu.a = 0xff; c->cpu.x = 0xff; c->cpu.y = 0x03;
  PUT(0xf000, 0x9f, 0x80, 0x00,         /* SHA $0080,Y 5 -> $83 = FF&FF&1 */
              0x9e, 0x84, 0x00,         /* SHX $0084,Y 5 -> $87 = FF&1 */
              0x9c, 0x88, 0x00,         /* SHY $0088,X 5 -> $0187 (RAM $87) = 03&2 */
              0x9b, 0x88, 0x00,         /* SHS $0088,Y 5: SP = A&X, $8B = A&X&1 */
              0x93, 0x90);              /* SHA ($90),Y 6 */
  set_ram(0x90, 0x80); set_ram(0x91, 0x00);
  CHECK_EQ(step(), 5, "SHA abs,Y cycles"); CHECK_EQ(ram(0x83), 0x01, "SHA value");
  CHECK_EQ(step(), 5, "SHX cycles"); CHECK_EQ(ram(0x87), 0x01, "SHX value");
  CHECK_EQ(step(), 5, "SHY cycles"); CHECK_EQ(ram(0x87), 0x02, "SHY value (page 1 -> &2)");
  c->cpu.a = 0x7e;
  CHECK_EQ(step(), 5, "SHS cycles"); CHECK_EQ(c->cpu.sp, 0x7e, "SHS sets SP = A&X"); CHECK_EQ(ram(0x8b), 0x00, "SHS value");
  c->cpu.a = 0xff;
  CHECK_EQ(step(), 6, "SHA (zp),Y cycles"); CHECK_EQ(ram(0x83), 0x01, "SHA (zp),Y value");

  /* Read-modify-write combos, all seven modes of SLO for timing, one of each for semantics. */
  setup();
  c->cpu.x = 0x01; c->cpu.y = 0x02;
  set_ram(0xa0, 0x80); set_ram(0xa1, 0x00);   /* pointer for (zp),Y / (zp,X) -> $0080 */
  PUT(0xf000, 0x07, 0x80, 0x17, 0x80, 0x0f, 0x80, 0x00, 0x1f, 0x80, 0x00,
              0x1b, 0x80, 0x00, 0x03, 0x9f, 0x13, 0xa0);
  static const uint32_t slo[] = {5, 6, 6, 7, 7, 8, 8};
  for (int i = 0; i < 7; i++) CHECK_EQ(step(), slo[i], "SLO mode cycles");

  struct { uint8_t op, a, m, pin, ra, rm, pmask, pout; const char *what; } rmw[] = {
    {0x07, 0x01, 0x81, 0, 0x03, 0x02, FN | FZ | FC, FC, "SLO"},
    {0x27, 0xff, 0x81, 0, 0x02, 0x02, FN | FZ | FC, FC, "RLA"},
    {0x27, 0xff, 0x40, FC, 0x81, 0x81, FN | FZ | FC, FN, "RLA carry in"},
    {0x47, 0xff, 0x03, 0, 0xfe, 0x01, FN | FZ | FC, FN | FC, "SRE"},
    {0x67, 0x10, 0x02, FC, 0x91, 0x81, FN | FZ | FC | FV, FN, "RRA (ROR then ADC)"},
    {0x67, 0x10, 0x03, 0, 0x12, 0x01, FN | FZ | FC | FV, 0, "RRA carry from ROR into ADC"},
    {0x67, 0x19, 0x03, FD, 0x21, 0x01, FN | FZ | FC, 0, "RRA decimal"},
    {0xc7, 0x40, 0x41, 0, 0x40, 0x40, FN | FZ | FC, FZ | FC, "DCP"},
    {0xc7, 0x40, 0x00, 0, 0x40, 0xff, FN | FZ | FC, 0, "DCP wrap"},
    {0xe7, 0x30, 0x0f, FC, 0x20, 0x10, FN | FZ | FC, FC, "ISB"},
    {0xe7, 0x30, 0x0f, FD | FC, 0x20, 0x10, FN | FZ | FC, FC, "ISB decimal"},
  };
  for (size_t i = 0; i < sizeof rmw / sizeof rmw[0]; i++) {
    setup();
    c->cpu.a = rmw[i].a; c->cpu.p = 0x30 | rmw[i].pin;
    set_ram(0x80, rmw[i].m);
    PUT(0xf000, rmw[i].op, 0x80);
    CHECK_EQ(step(), 5, rmw[i].what);
    CHECK_EQ(c->cpu.a, rmw[i].ra, rmw[i].what);
    CHECK_EQ(ram(0x80), rmw[i].rm, rmw[i].what);
    CHECK_EQ(c->cpu.p & rmw[i].pmask, rmw[i].pout, rmw[i].what);
  }

  /* Undocumented NOPs: lengths, cycles, and they still read their operand. */
  struct { uint8_t op; int len; uint32_t cyc; } nops[] = {
    {0x1a, 1, 2}, {0x3a, 1, 2}, {0x5a, 1, 2}, {0x7a, 1, 2}, {0xda, 1, 2}, {0xfa, 1, 2}, {0xea, 1, 2},
    {0x80, 2, 2}, {0x82, 2, 2}, {0x89, 2, 2}, {0xc2, 2, 2}, {0xe2, 2, 2},
    {0x04, 2, 3}, {0x44, 2, 3}, {0x64, 2, 3},
    {0x14, 2, 4}, {0x34, 2, 4}, {0x54, 2, 4}, {0x74, 2, 4}, {0xd4, 2, 4}, {0xf4, 2, 4},
    {0x0c, 3, 4}, {0x1c, 3, 4}, {0x3c, 3, 4}, {0x5c, 3, 4}, {0x7c, 3, 4}, {0xdc, 3, 4}, {0xfc, 3, 4},
  };
  for (size_t i = 0; i < sizeof nops / sizeof nops[0]; i++) {
    setup();
    PUT(0xf000, nops[i].op, 0x10, 0x00);  /* zp/abs operand $10 / $0010 = TIA */
    uint8_t a = c->cpu.a, p = c->cpu.p;
    CHECK_EQ(step(), nops[i].cyc, "NOP cycles");
    CHECK_EQ(c->cpu.pc, 0xf000 + nops[i].len, "NOP length");
    CHECK(c->cpu.a == a && c->cpu.p == p, "NOP $%02x changes nothing", nops[i].op);
    if (nops[i].cyc >= 3) CHECK_EQ(g_tia.reads, 1, "NOP reads its operand");
  }
  setup();
  c->cpu.x = 0x20;
  PUT(0xf000, 0x1c, 0xf0, 0xf2);        /* NOP $F2F0,X crosses */
  CHECK_EQ(step(), 5, "NOP abs,X page cross +1");
}

static void test_jam(void) {
  static const uint8_t jams[] = {0x02, 0x12, 0x22, 0x32, 0x42, 0x52, 0x62, 0x72, 0x92, 0xb2, 0xd2, 0xf2};
  for (size_t i = 0; i < sizeof jams; i++) {
    setup();
    PUT(0xf000, 0xe8, jams[i], 0xe8);     /* INX; JAM; INX */
    uint32_t n = cpu_run(c, 100);
    CHECK_EQ(n, 2, "instructions counted up to and including the JAM");
    CHECK_EQ(c->cpu.jammed, 1, "JAM sets jammed");
    CHECK_EQ(c->cpu.x, 1, "nothing after the JAM runs");
    CHECK_EQ(c->cpu.pc, 0xf002, "PC past the JAM opcode");
    CHECK_EQ(c->cycles, 4, "JAM costs its table cycles (2)");
    CHECK_EQ(cpu_run(c, 100), 0, "a jammed CPU runs nothing");
    cpu_reset(c);
    CHECK_EQ(c->cpu.jammed, 0, "reset clears jammed");
    CHECK_EQ(cpu_run(c, 1), 1, "runs again after reset");
  }
  /* Every other opcode executes without jamming. */
  int bad = 0;
  for (int op = 0; op < 256; op++) {
    int isJam = 0;
    for (size_t i = 0; i < sizeof jams; i++) if (jams[i] == op) isJam = 1;
    if (isJam) continue;
    setup();
    PUT(0xf000, (uint8_t)op, 0x80, 0x00);
    cpu_run(c, 1);
    if (c->cpu.jammed) { bad++; printf("opcode %02x jammed\n", op); }
  }
  CHECK_EQ(bad, 0, "244 implemented opcodes");
}

static void test_run_limits(void) {
  setup();
  g_tia.stopAddr = 0x0001;              /* the fake TIA stops the CPU on a write to $01 */
  PUT(0xf000, 0xe8, 0xe8, 0x85, 0x01, 0xe8, 0xe8);
  c->stopCpu = 1;                       /* stale stop request is cleared on entry */
  uint32_t n = cpu_run(c, 1000);
  CHECK_EQ(n, 3, "stops after the instruction that set stopCpu");
  CHECK_EQ(c->cpu.x, 2, "stopped state");
  CHECK_EQ(c->stopCpu, 1, "stopCpu stays set for the caller");
  n = cpu_run(c, 1);
  CHECK_EQ(n, 1, "instruction limit");
  CHECK_EQ(c->cpu.x, 3, "resumes where it stopped");
}

/* The assembled functional test: it exercises every implemented opcode, traps on the first
 * wrong result by writing its error number to $2F (TIA), and writes $00 to $2E when done. */
static void test_functional(void) {
  fake_tia_clear();
  memset(c, 0, sizeof *c);
  static uint8_t img[4096];
  if (functional_bin_len != 4096) { CHECK(0, "functional.bin must be 4096 bytes, is %u", functional_bin_len); return; }
  memcpy(img, functional_bin, 4096);
  cart_init(c, img, 4096, CART_4K);
  cpu_reset(c);
  g_tia.stopAddr = 0x002e;
  /* Step one instruction at a time to record which opcodes the program executed. */
  uint32_t total = 0;
  uint8_t seen[256] = {0};
  while (total < 2000000 && !c->stopCpu && !c->cpu.jammed) {
    total += cpu_run(c, 1);
    seen[c->cpu.lastOpcode] = 1;
  }
  int err = -1;
  for (uint32_t i = 0; i < g_tia.nlog; i++) if (g_tia.log[i].addr == 0x002f) { err = g_tia.log[i].value; break; }
  CHECK(c->stopCpu && err < 0, "functional test: finished=%d error=%d jammed=%d pc=$%04x after %u instructions",
        c->stopCpu, err, c->cpu.jammed, c->cpu.pc, total);
  int done = -1;
  for (uint32_t i = 0; i < g_tia.nlog; i++) if (g_tia.log[i].addr == 0x002e) done = g_tia.log[i].value;
  CHECK_EQ(done, 0x00, "functional test completion code");
  int covered = 0;
  for (int op = 0; op < 256; op++) covered += seen[op];
  CHECK_EQ(covered, 244, "opcodes exercised by the functional test (all but the 12 JAMs)");
  if (covered != 244)
    for (int op = 0; op < 256; op++) if (!seen[op]) printf("  not exercised: $%02x\n", op);
  if (err >= 0) {
    uint16_t where = 0;
    for (uint32_t i = 0; i < g_tia.nlog; i++) {
      if (g_tia.log[i].addr == 0x002d) where = (uint16_t)((where & 0xff00) | g_tia.log[i].value);
      if (g_tia.log[i].addr == 0x002c) where = (uint16_t)((where & 0x00ff) | (g_tia.log[i].value << 8));
    }
    printf("  functional test failed in test %d near $%04x\n", err, where);
  }
  printf("functional test: %u instructions, %u cycles\n", total, c->cycles);
}

/* Rough native speed figure for the record (not a pass/fail criterion). */
static void bench(void) {
  setup();
  /* A loop like a kernel: loads, stores to TIA, RAM RMW, branches. */
  PUT(0xf000, 0xa2, 0x00,               /* LDX #0 */
              0xbd, 0x00, 0xf1,         /* LDA $F100,X */
              0x85, 0x1b,               /* STA GRP0 */
              0xe6, 0x80,               /* INC $80 */
              0xca,                     /* DEX */
              0xd0, 0xf6,               /* BNE -10 */
              0x4c, 0x00, 0xf0);        /* JMP $F000 */
  clock_t t0 = clock();
  uint32_t n = 0;
  for (int i = 0; i < 200; i++) { g_tia.nlog = 0; n += cpu_run(c, 100000); }
  double s = (double)(clock() - t0) / CLOCKS_PER_SEC;
  printf("bench: %.1f M instructions/s native\n", n / s / 1e6);
}

/* The run loop reads operand bytes straight from the ROM image and caches the ROM page it is
 * executing (cpu.c). Both must follow the program when it leaves ROM or switches banks within
 * one cpu_run call, where that state lives on from one instruction to the next. */
static void test_fetch_paths(void) {
  /* ROM -> RIOT RAM -> ROM: operands come from wherever the instruction is. */
  setup();
  PUT(0xf000, 0x4c, 0x80, 0x00);        /* JMP $0080 */
  set_ram(0x80, 0xa9); set_ram(0x81, 0x42);                  /* LDA #$42 */
  set_ram(0x82, 0xa2); set_ram(0x83, 0x07);                  /* LDX #$07 */
  set_ram(0x84, 0x4c); set_ram(0x85, 0x10); set_ram(0x86, 0xf0); /* JMP $F010 */
  PUT(0xf010, 0xa0, 0x99);              /* LDY #$99 */
  CHECK_EQ(cpu_run(c, 5), 5, "ROM/RAM round trip runs 5 instructions");
  CHECK_EQ(c->cpu.a, 0x42, "LDA # operand read from RAM");
  CHECK_EQ(c->cpu.x, 0x07, "LDX # operand read from RAM");
  CHECK_EQ(c->cpu.y, 0x99, "LDY # operand read from ROM again");
  CHECK_EQ(c->cpu.pc, 0xf012, "PC after the round trip");

  /* F8: a bank switch in the middle of a page must not leave the old bank's page cached.
   * Both banks start at $F100 with LDA $1FF8 (bank 0) / JMP $F000, so the start bank does not
   * matter; page $F0 is then first run in bank 0 and switches to bank 1 half-way through. */
  static uint8_t img[8192];
  memset(img, 0xea, sizeof img);
  for (int bank = 0; bank < 2; bank++) {
    uint8_t *b = img + 4096 * bank;
    b[0xffc] = 0x00; b[0xffd] = 0xf1;                        /* reset -> $F100 */
    b[0x100] = 0xad; b[0x101] = 0xf8; b[0x102] = 0x1f;       /* LDA $1FF8: bank 0 */
    b[0x103] = 0x4c; b[0x104] = 0x00; b[0x105] = 0xf0;       /* JMP $F000 */
    b[0x000] = 0xad; b[0x001] = 0xf9; b[0x002] = 0x1f;       /* LDA $1FF9: bank 1 */
    b[0x003] = 0xa2; b[0x004] = bank ? 0x22 : 0x11;          /* LDX #bank's mark */
  }
  fake_tia_clear();
  memset(c, 0, sizeof *c);
  if (cart_init(c, img, sizeof img, CART_F8) != 0) { printf("cart_init F8 failed\n"); exit(2); }
  cart_reset(c);
  cpu_reset(c);
  CHECK_EQ(cpu_run(c, 4), 4, "F8 bank-switch program runs 4 instructions");
  CHECK_EQ(c->cpu.x, 0x22, "the instruction after the switch comes from the new bank");
}

int main(void) {
  c = new_console();
  test_reset();
  test_loads_stores();
  test_access_timing();
  test_alu();
  test_shifts_incdec();
  test_flags_branches();
  test_stack_jumps();
  test_undocumented();
  test_jam();
  test_run_limits();
  test_fetch_paths();
  test_functional();
  bench();
  free(c);
  return test_finish("test_cpu");
}
