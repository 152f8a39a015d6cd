/* 6507 interpreter, behaviourally matching the reference's "low compatibility" 6502 core
 * (Stella 2.4 as embedded in ALE 0.12). Design notes, each one a property the reference has
 * and that games (or their bank-switch hotspots) can observe:
 *  - Timing is per instruction: after the opcode fetch the whole base cycle count is added to
 *    Console.cycles, then the operand/data accesses happen. Indexed reads that cross a page add
 *    one cycle just before the data read; taken branches add 1 (2 if the target is on another
 *    page than the following instruction) after the offset fetch. Stores and read-modify-write
 *    instructions never add a page-cross cycle (their table count already covers it).
 *  - Bus traffic is the reference's, not the real chip's: read-modify-write reads once and
 *    writes once; implied instructions make no dummy read; JSR/RTS/PLA/PLP/RTI/BRK do the
 *    extra reads listed in their cases below. RTS's read of the return address itself and
 *    BRK's read of its padding byte can trigger cartridge hotspots, so they are kept.
 *  - Zero-page pointer fetches for (zp,X) and (zp),Y do NOT wrap: a pointer at $FF takes its
 *    high byte from $0100 (a TIA read on the 2600), exactly as the reference does.
 *  - Decimal mode follows the reference's table-driven BCD arithmetic, invalid BCD digits
 *    included (see adc_decimal / sbc_decimal).
 *  - The 12 KIL/JAM opcodes are not implemented by the reference: it flags a fatal error and
 *    never executes again until reset. We set cpu.jammed and do the same.
 * Registers and flags live in locals while running, so the hot loop keeps them in machine
 * registers; so do the cycle counter, data bus and stop request (see HotState), which are
 * synchronised with the Console around every access that leaves the inline fast paths. */
#include "console.h"

/* Base cycle count of every opcode, as the reference's table gives it (JAM opcodes count 2). */
static const uint8_t kBaseCycles[256] = {
/*  0  1  2  3  4  5  6  7  8  9  A  B  C  D  E  F */
    7, 6, 2, 8, 3, 3, 5, 5, 3, 2, 2, 2, 4, 4, 6, 6, /* 0 */
    2, 5, 2, 8, 4, 4, 6, 6, 2, 4, 2, 7, 4, 4, 7, 7, /* 1 */
    6, 6, 2, 8, 3, 3, 5, 5, 4, 2, 2, 2, 4, 4, 6, 6, /* 2 */
    2, 5, 2, 8, 4, 4, 6, 6, 2, 4, 2, 7, 4, 4, 7, 7, /* 3 */
    6, 6, 2, 8, 3, 3, 5, 5, 3, 2, 2, 2, 3, 4, 6, 6, /* 4 */
    2, 5, 2, 8, 4, 4, 6, 6, 2, 4, 2, 7, 4, 4, 7, 7, /* 5 */
    6, 6, 2, 8, 3, 3, 5, 5, 4, 2, 2, 2, 5, 4, 6, 6, /* 6 */
    2, 5, 2, 8, 4, 4, 6, 6, 2, 4, 2, 7, 4, 4, 7, 7, /* 7 */
    2, 6, 2, 6, 3, 3, 3, 3, 2, 2, 2, 2, 4, 4, 4, 4, /* 8 */
    2, 6, 2, 6, 4, 4, 4, 4, 2, 5, 2, 5, 5, 5, 5, 5, /* 9 */
    2, 6, 2, 6, 3, 3, 3, 4, 2, 2, 2, 2, 4, 4, 4, 4, /* A */
    2, 5, 2, 5, 4, 4, 4, 4, 2, 4, 2, 4, 4, 4, 4, 4, /* B */
    2, 6, 2, 8, 3, 3, 5, 5, 2, 2, 2, 2, 4, 4, 6, 6, /* C */
    2, 5, 2, 8, 4, 4, 6, 6, 2, 4, 2, 7, 4, 4, 7, 7, /* D */
    2, 6, 2, 8, 3, 3, 5, 5, 2, 2, 2, 2, 4, 4, 6, 6, /* E */
    2, 5, 2, 8, 4, 4, 6, 6, 2, 4, 2, 7, 4, 4, 7, 7, /* F */
};

/* Packed BCD byte -> binary, digits above 9 kept as is ($FF -> 165), as the reference's table. */
static inline int bcd_value(uint8_t b) { return (b >> 4) * 10 + (b & 0x0f); }

/* Binary 0..255 -> packed BCD of its last two decimal digits. */
static inline uint8_t bcd_pack(int t) { return (uint8_t)((((t % 100) / 10) << 4) | (t % 10)); }

/* Flags live in separate locals of cpu_run (so that the compiler keeps them in registers, also
 * in wasm): fn holds bit 7 of the last result, fnz is nonzero when the Z flag is CLEAR (the
 * reference keeps "not Z"), fv/fc are 0/1, and the rarely used D and I share fdi (their P
 * bits). The macros below work on those locals. */
#define FLAG_D 0x08
#define FLAG_I 0x04
#define PACK_STATUS() ((uint8_t)(0x30 | (fn & 0x80) | (fv ? 0x40 : 0) | fdi | \
                                 (fnz ? 0 : 0x02) | (fc ? 0x01 : 0)))
/* Bit 5 is always 1 and the 6507's B flag always reads 1 in the reference. */
#define UNPACK_STATUS(p_) do { uint8_t q_ = (p_); fn = q_ & 0x80; fv = (q_ >> 6) & 1; \
    fdi = q_ & 0x0c; fnz = !(q_ & 0x02); fc = q_ & 1; } while (0)

/* ADC in binary and decimal mode. Decimal: add the BCD values (invalid digits count 10..15),
 * carry when the sum exceeds 99, result = last two decimal digits of (sum & $FF); N/Z from the
 * result; V from the sign bits of old A, result and operand. */
#define DO_ADC(op_) do { uint8_t o_ = (op_); \
    if (!(fdi & FLAG_D)) { \
      int ss_ = (int)(int8_t)a + (int)(int8_t)o_ + fc; \
      unsigned us_ = (unsigned)a + o_ + fc; \
      fv = (ss_ > 127) || (ss_ < -128); fc = us_ > 0xff; a = (uint8_t)us_; \
    } else { \
      int sum_ = bcd_value(a) + bcd_value(o_) + fc; \
      uint8_t r_ = bcd_pack(sum_ & 0xff); \
      fc = sum_ > 99; fv = ((a ^ r_) & 0x80) && ((r_ ^ o_) & 0x80); a = r_; \
    } \
    fnz = a; fn = a; } while (0)

/* SBC. Decimal: BCD difference minus the borrow, +100 if negative. With invalid digits the
 * difference can stay negative (down to -66); the reference then indexes its BCD output table
 * with a negative index, which in its memory layout reads the BCD *input* table at 256+d;
 * bcd_value(256+d) reproduces that. Carry compares the raw bytes, not BCD values. */
#define DO_SBC(op_) do { uint8_t o_ = (op_); \
    if (!(fdi & FLAG_D)) { \
      uint8_t inv_ = (uint8_t)~o_; \
      int ss_ = (int)(int8_t)a + (int)(int8_t)inv_ + fc; \
      unsigned us_ = (unsigned)a + inv_ + fc; \
      fv = (ss_ > 127) || (ss_ < -128); fc = us_ > 0xff; a = (uint8_t)us_; \
    } else { \
      int borrow_ = fc ? 0 : 1; \
      int d_ = bcd_value(a) - bcd_value(o_) - borrow_; \
      if (d_ < 0) d_ += 100; \
      uint8_t r_ = d_ >= 0 ? bcd_pack(d_) : (uint8_t)bcd_value((uint8_t)(256 + d_)); \
      fc = (int)a >= (int)o_ + borrow_; fv = ((a ^ r_) & 0x80) && ((r_ ^ o_) & 0x80); a = r_; \
    } \
    fnz = a; fn = a; } while (0)

/* CMP/CPX/CPY and the compare half of DCP: 16-bit difference, carry = no borrow. */
#define DO_CMP(reg_, op_) do { uint16_t d_ = (uint16_t)((uint16_t)(reg_) - (uint16_t)(op_)); \
    fnz = d_; fn = (uint8_t)d_; fc = !(d_ & 0x100); } while (0)

void cpu_reset(Console *c) {
  Cpu *p = &c->cpu;
  p->a = p->x = p->y = 0;
  p->sp = 0xff;
  p->p = 0x30;
  p->jammed = 0;
  p->lastOpcode = 0;
  c->stopCpu = 0;
  uint8_t lo = bus_peek(c, 0xfffc);
  uint8_t hi = bus_peek(c, 0xfffd);
  p->pc = (uint16_t)(lo | (hi << 8));
}

/* The run loop keeps three pieces of Console state in locals, because in wasm every field
 * access is a real memory load or store: the cycle counter, the data-bus latch and the stop
 * request. They only matter to the chips, and the chips only see them through bus_peek/bus_poke
 * (the slow path), so the locals are written back before each slow call and re-read after it
 * (a WSYNC write advances the cycles, a VSYNC write sets the stop request). HotState bundles
 * them so the inline accessors can update them; after inlining they live in registers. */
typedef struct HotState {
  uint32_t cycles;   /* mirrors c->cycles */
  uint32_t done;     /* instructions executed so far */
  uint32_t limit;    /* run while done < limit; a stop request lowers it to done */
  uint32_t page;     /* pc >> 8 of the ROM page cached for opcode fetches, or NO_PAGE */
  uint8_t bus;       /* mirrors c->dataBus */
} HotState;

/* No page cached (pc >> 8 is at most $FF). */
#define NO_PAGE 0x100u

/* The slow paths are out of line (they are rare, and inlining them at every access site bloats
 * the dispatch loop). They take the hot state by value and return it packed, so that the state
 * never has to live in memory: bits 0-7 the value read, bit 8 the stop request, bits 32-63
 * the cycle counter. */
static __attribute__((noinline)) uint64_t slow_read(Console *c, uint16_t addr, uint32_t cycles, uint8_t bus) {
  c->cycles = cycles;
  c->dataBus = bus;
  uint8_t v = bus_peek(c, addr);
  return ((uint64_t)c->cycles << 32) | ((uint32_t)(c->stopCpu != 0) << 8) | v;
}

static __attribute__((noinline)) uint64_t slow_write(Console *c, uint16_t addr, uint8_t v, uint32_t cycles) {
  c->cycles = cycles;
  bus_poke(c, addr, v);
  return ((uint64_t)c->cycles << 32) | ((uint32_t)(c->stopCpu != 0) << 8) | v;
}

static inline __attribute__((always_inline)) void hot_unpack(HotState *h, uint64_t r) {
  h->cycles = (uint32_t)(r >> 32);
  if (r & 0x100) h->limit = h->done;   /* stop after this instruction */
  h->bus = (uint8_t)r;
}

/* Bus access with inline fast paths for the two most frequent targets, RIOT RAM and side-effect
 * free cartridge ROM (cart_fast_read); both do exactly what bus_peek/bus_poke would do,
 * data bus included. Everything else goes through bus_peek/bus_poke. */
static inline __attribute__((always_inline)) uint8_t cpu_read(Console *c, HotState *h, uint16_t addr) {
  uint8_t v;
  if ((addr & 0x1280) == 0x0080) v = c->riot.ram[addr & 0x7f];        /* A12=0 A9=0 A7=1 */
  else if (!((addr & 0x1000) && cart_fast_read(&c->cart, addr, &v))) {
    if (addr & 0x1000) h->page = NO_PAGE;   /* a cartridge access may switch banks */
    hot_unpack(h, slow_read(c, addr, h->cycles, h->bus));
    return h->bus;
  }
  h->bus = v;
  return v;
}

static inline __attribute__((always_inline)) void cpu_write(Console *c, HotState *h, uint16_t addr, uint8_t v) {
  if ((addr & 0x1280) == 0x0080) { c->riot.ram[addr & 0x7f] = v; h->bus = v; }
  else {
    if (addr & 0x1000) h->page = NO_PAGE;   /* a cartridge access may switch banks */
    hot_unpack(h, slow_write(c, addr, v, h->cycles));
  }
}

/* Addresses are truncated to 16 bits like the reference's uint16_t parameters (so $FFFF+1
 * wraps to $0000 but a zero-page pointer at $FF reads its high byte at $0100). */
#define RD(addr) cpu_read(c, &hot, (uint16_t)(addr))
#define WR(addr, val) cpu_write(c, &hot, (uint16_t)(addr), (uint8_t)(val))
/* Operand bytes 1 and 2 of the current instruction (addr is where the bus would read them). */
#define ARG1(addr) (ip ? (hot.bus = ip[1]) : RD(addr))
#define ARG2(addr) (ip ? (hot.bus = ip[2]) : RD(addr))
#define SETNZ(r) do { fn = (uint8_t)(r); fnz = (uint8_t)(r); } while (0)
#define PAGE_CROSS(a, b) ((((unsigned)(a)) ^ ((unsigned)(b))) & 0xff00u)

/* Addressing modes: each leaves the effective address in ea and, for reads, the operand in v. */
#define AM_IMM()   do { ea = pc++; v = ARG1(ea); } while (0)
#define AM_ZP()    do { ea = ARG1(pc); pc++; } while (0)
#define AM_ZPX()   do { ea = (uint8_t)(ARG1(pc) + x); pc++; } while (0)
#define AM_ZPY()   do { ea = (uint8_t)(ARG1(pc) + y); pc++; } while (0)
#define AM_ABS()   do { uint8_t lo_ = ARG1(pc); uint8_t hi_ = ARG2(pc + 1); pc += 2; \
                        ea = (uint16_t)(lo_ | (hi_ << 8)); } while (0)
/* Indexed absolute, read flavour: one extra cycle on a page cross, before the data read. */
#define AM_ABSI_R(idx) do { AM_ABS(); if (PAGE_CROSS(ea, ea + (idx))) hot.cycles++; \
                            ea = (uint16_t)(ea + (idx)); } while (0)
#define AM_ABSI_W(idx) do { AM_ABS(); ea = (uint16_t)(ea + (idx)); } while (0)
#define AM_INDX()  do { uint8_t zp_ = (uint8_t)(ARG1(pc) + x); pc++; uint8_t lo_ = RD(zp_); \
                        uint8_t hi_ = RD(zp_ + 1); ea = (uint16_t)(lo_ | (hi_ << 8)); } while (0)
#define AM_INDY_BASE() do { uint8_t zp_ = ARG1(pc); pc++; uint8_t lo_ = RD(zp_); \
                            uint8_t hi_ = RD(zp_ + 1); ea = (uint16_t)(lo_ | (hi_ << 8)); } while (0)
#define AM_INDY_R() do { AM_INDY_BASE(); if (PAGE_CROSS(ea, ea + y)) hot.cycles++; \
                         ea = (uint16_t)(ea + y); } while (0)
#define AM_INDY_W() do { AM_INDY_BASE(); ea = (uint16_t)(ea + y); } while (0)
#define LOAD()     do { v = RD(ea); } while (0)

/* Case groups: one line per opcode, naming the addressing mode then the operation. */
#define READ_OP(code, mode, body)  case code: { mode; LOAD(); body; } break;
#define IMM_OP(code, body)         case code: { AM_IMM(); body; } break;
#define WRITE_OP(code, mode, body) case code: { mode; body; } break;
#define RMW_OP(code, mode, body)   case code: { mode; LOAD(); body; } break;

/* The eight classic modes of the ALU group (ORA/AND/EOR/ADC/LDA/CMP/SBC) at base opcode b. */
#define ALU_GROUP(b, body) \
  case (b) + 0x09: { AM_IMM(); body; } break; \
  READ_OP((b) + 0x05, AM_ZP(), body) \
  READ_OP((b) + 0x15, AM_ZPX(), body) \
  READ_OP((b) + 0x0d, AM_ABS(), body) \
  READ_OP((b) + 0x1d, AM_ABSI_R(x), body) \
  READ_OP((b) + 0x19, AM_ABSI_R(y), body) \
  READ_OP((b) + 0x01, AM_INDX(), body) \
  READ_OP((b) + 0x11, AM_INDY_R(), body)

/* The seven modes of the undocumented read-modify-write combos (SLO/RLA/SRE/RRA/DCP/ISB). */
#define RMW_COMBO_GROUP(b, body) \
  RMW_OP((b) + 0x07, AM_ZP(), body) \
  RMW_OP((b) + 0x17, AM_ZPX(), body) \
  RMW_OP((b) + 0x0f, AM_ABS(), body) \
  RMW_OP((b) + 0x1f, AM_ABSI_W(x), body) \
  RMW_OP((b) + 0x1b, AM_ABSI_W(y), body) \
  RMW_OP((b) + 0x03, AM_INDX(), body) \
  RMW_OP((b) + 0x13, AM_INDY_W(), body)

/* The four modes of the documented shifts/INC/DEC on memory. */
#define RMW_GROUP(b, body) \
  RMW_OP((b) + 0x06, AM_ZP(), body) \
  RMW_OP((b) + 0x16, AM_ZPX(), body) \
  RMW_OP((b) + 0x0e, AM_ABS(), body) \
  RMW_OP((b) + 0x1e, AM_ABSI_W(x), body)

/* Branch: offset already fetched; taken costs 1 cycle, 2 when the target page differs from
 * the page of the next instruction. */
#define BRANCH(code, cond) \
  case code: { AM_IMM(); if (cond) { uint16_t t_ = (uint16_t)(pc + (int8_t)v); \
      hot.cycles += PAGE_CROSS(pc, t_) ? 2u : 1u; pc = t_; } } break;

/* Operation bodies (v = operand, ea = address). */
#define OP_ORA  a |= v; SETNZ(a)
#define OP_AND  a &= v; SETNZ(a)
#define OP_EOR  a ^= v; SETNZ(a)
#define OP_ADC  DO_ADC(v)
#define OP_SBC  DO_SBC(v)
#define OP_CMP  DO_CMP(a, v)
#define OP_LDA  a = v; SETNZ(a)
#define OP_ASL  fc = v >> 7; v = (uint8_t)(v << 1); WR(ea, v); SETNZ(v)
#define OP_LSR  fc = v & 1; v = v >> 1; WR(ea, v); SETNZ(v)
#define OP_ROL  { uint8_t oc_ = fc; fc = v >> 7; v = (uint8_t)((v << 1) | oc_); WR(ea, v); SETNZ(v); }
#define OP_ROR  { uint8_t oc_ = fc; fc = v & 1; v = (uint8_t)((v >> 1) | (oc_ << 7)); WR(ea, v); SETNZ(v); }
#define OP_INC  v++; WR(ea, v); SETNZ(v)
#define OP_DEC  v--; WR(ea, v); SETNZ(v)
#define OP_SLO  fc = v >> 7; v = (uint8_t)(v << 1); WR(ea, v); a |= v; SETNZ(a)
#define OP_RLA  { uint8_t nv_ = (uint8_t)((v << 1) | fc); WR(ea, nv_); a &= nv_; fc = v >> 7; SETNZ(a); }
#define OP_SRE  fc = v & 1; v = v >> 1; WR(ea, v); a ^= v; SETNZ(a)
#define OP_RRA  { uint8_t oc_ = fc; fc = v & 1; v = (uint8_t)((v >> 1) | (oc_ << 7)); WR(ea, v); \
                  DO_ADC(v); }
#define OP_DCP  v--; WR(ea, v); DO_CMP(a, v)
#define OP_ISB  v++; WR(ea, v); DO_SBC(v)

uint32_t cpu_run(Console *c, uint32_t maxInstructions) {
  c->stopCpu = 0;
  Cpu *cpu = &c->cpu;
  if (cpu->jammed) return 0;

  uint16_t pc = cpu->pc;
  uint8_t a = cpu->a, x = cpu->x, y = cpu->y, sp = cpu->sp;
  uint8_t fn, fv, fdi, fc;
  uint16_t fnz;
  UNPACK_STATUS(cpu->p);
  uint8_t op = cpu->lastOpcode;
  HotState hot = { c->cycles, 0, maxInstructions, NO_PAGE, c->dataBus };
  const uint8_t *ip = 0;        /* the current instruction's bytes in the ROM image, or 0 (see below) */
  const uint8_t *pageBase = 0;  /* image bytes of ROM page hot.page */

  while (hot.done < hot.limit) {
    uint16_t ea;
    uint8_t v;
    /* Opcode fetch. When the whole instruction (up to 3 bytes) lies in side-effect-free ROM of
     * one 1K segment, ip points at it and the operand bytes are read straight from the image
     * (ARG1/ARG2); otherwise every byte goes over the bus. Operand fetches always come before
     * any data access that could switch banks (JSR's stack accesses cannot), so ip stays valid
     * for the whole instruction. The 256-byte page being executed is cached when all of it is
     * fast ROM (most code runs for a while in one page); any cartridge access that leaves the
     * fast path drops the cache, since it may switch banks. */
    if ((uint32_t)(pc >> 8) == hot.page && (pc & 0xffu) <= 0xfdu) {
      ip = pageBase + (pc & 0xffu);
      op = ip[0];
      hot.bus = op;
    } else if ((pc & 0x1000) && (ip = cart_fast_span(&c->cart, pc, 3)) != 0) {
      op = ip[0];
      hot.bus = op;
      if (cart_fast_span(&c->cart, pc & 0xff00u, 0x100)) {
        hot.page = (uint32_t)(pc >> 8);
        pageBase = ip - (pc & 0xffu);
      }
    } else {
      ip = 0;
      op = RD(pc);
    }
    pc++;
    hot.cycles += kBaseCycles[op];
    hot.done++;

    switch (op) {
      ALU_GROUP(0x00, OP_ORA)
      ALU_GROUP(0x20, OP_AND)
      ALU_GROUP(0x40, OP_EOR)
      ALU_GROUP(0x60, OP_ADC)
      ALU_GROUP(0xa0, OP_LDA)
      ALU_GROUP(0xc0, OP_CMP)
      ALU_GROUP(0xe0, OP_SBC)
      IMM_OP(0xeb, OP_SBC)   /* undocumented SBC #imm */

      /* STA */
      WRITE_OP(0x85, AM_ZP(), WR(ea, a))
      WRITE_OP(0x95, AM_ZPX(), WR(ea, a))
      WRITE_OP(0x8d, AM_ABS(), WR(ea, a))
      WRITE_OP(0x9d, AM_ABSI_W(x), WR(ea, a))
      WRITE_OP(0x99, AM_ABSI_W(y), WR(ea, a))
      WRITE_OP(0x81, AM_INDX(), WR(ea, a))
      WRITE_OP(0x91, AM_INDY_W(), WR(ea, a))
      /* STX / STY */
      WRITE_OP(0x86, AM_ZP(), WR(ea, x))
      WRITE_OP(0x96, AM_ZPY(), WR(ea, x))
      WRITE_OP(0x8e, AM_ABS(), WR(ea, x))
      WRITE_OP(0x84, AM_ZP(), WR(ea, y))
      WRITE_OP(0x94, AM_ZPX(), WR(ea, y))
      WRITE_OP(0x8c, AM_ABS(), WR(ea, y))

      /* LDX */
      IMM_OP(0xa2, x = v; SETNZ(x))
      READ_OP(0xa6, AM_ZP(), x = v; SETNZ(x))
      READ_OP(0xb6, AM_ZPY(), x = v; SETNZ(x))
      READ_OP(0xae, AM_ABS(), x = v; SETNZ(x))
      READ_OP(0xbe, AM_ABSI_R(y), x = v; SETNZ(x))
      /* LDY */
      IMM_OP(0xa0, y = v; SETNZ(y))
      READ_OP(0xa4, AM_ZP(), y = v; SETNZ(y))
      READ_OP(0xb4, AM_ZPX(), y = v; SETNZ(y))
      READ_OP(0xac, AM_ABS(), y = v; SETNZ(y))
      READ_OP(0xbc, AM_ABSI_R(x), y = v; SETNZ(y))
      /* CPX / CPY */
      IMM_OP(0xe0, DO_CMP(x, v))
      READ_OP(0xe4, AM_ZP(), DO_CMP(x, v))
      READ_OP(0xec, AM_ABS(), DO_CMP(x, v))
      IMM_OP(0xc0, DO_CMP(y, v))
      READ_OP(0xc4, AM_ZP(), DO_CMP(y, v))
      READ_OP(0xcc, AM_ABS(), DO_CMP(y, v))
      /* BIT: Z from A&M, N and V straight from the operand. */
      READ_OP(0x24, AM_ZP(), fnz = a & v; fn = v; fv = (v >> 6) & 1)
      READ_OP(0x2c, AM_ABS(), fnz = a & v; fn = v; fv = (v >> 6) & 1)

      /* Shifts, rotates, INC, DEC on memory */
      RMW_GROUP(0x00, OP_ASL)
      RMW_GROUP(0x20, OP_ROL)
      RMW_GROUP(0x40, OP_LSR)
      RMW_GROUP(0x60, OP_ROR)
      RMW_GROUP(0xc0, OP_DEC)
      RMW_GROUP(0xe0, OP_INC)
      /* ... and on the accumulator */
      case 0x0a: fc = a >> 7; a = (uint8_t)(a << 1); SETNZ(a); break;
      case 0x4a: fc = a & 1; a = a >> 1; SETNZ(a); break;
      case 0x2a: { uint8_t oc = fc; fc = a >> 7; a = (uint8_t)((a << 1) | oc); SETNZ(a); } break;
      case 0x6a: { uint8_t oc = fc; fc = a & 1; a = (uint8_t)((a >> 1) | (oc << 7)); SETNZ(a); } break;

      /* Register transfers, increments */
      case 0xaa: x = a; SETNZ(x); break;              /* TAX */
      case 0xa8: y = a; SETNZ(y); break;              /* TAY */
      case 0x8a: a = x; SETNZ(a); break;              /* TXA */
      case 0x98: a = y; SETNZ(a); break;              /* TYA */
      case 0xba: x = sp; SETNZ(x); break;             /* TSX */
      case 0x9a: sp = x; break;                       /* TXS */
      case 0xe8: x++; SETNZ(x); break;                /* INX */
      case 0xc8: y++; SETNZ(y); break;                /* INY */
      case 0xca: x--; SETNZ(x); break;                /* DEX */
      case 0x88: y--; SETNZ(y); break;                /* DEY */

      /* Flag instructions */
      case 0x18: fc = 0; break;
      case 0x38: fc = 1; break;
      case 0x58: fdi &= (uint8_t)~FLAG_I; break;
      case 0x78: fdi |= FLAG_I; break;
      case 0xb8: fv = 0; break;
      case 0xd8: fdi &= (uint8_t)~FLAG_D; break;
      case 0xf8: fdi |= FLAG_D; break;

      /* Branches */
      BRANCH(0x10, !(fn & 0x80))
      BRANCH(0x30, (fn & 0x80))
      BRANCH(0x50, !fv)
      BRANCH(0x70, fv)
      BRANCH(0x90, !fc)
      BRANCH(0xb0, fc)
      BRANCH(0xd0, fnz)
      BRANCH(0xf0, !fnz)

      /* Jumps and the stack */
      case 0x4c: AM_ABS(); pc = ea; break;            /* JMP abs */
      case 0x6c: {                                    /* JMP (ind), with the page-wrap bug */
        AM_ABS();
        uint16_t hiAddr = PAGE_CROSS(ea, ea + 1) ? (uint16_t)(ea & 0xff00) : (uint16_t)(ea + 1);
        uint8_t lo = RD(ea);
        uint8_t hi = RD(hiAddr);
        pc = (uint16_t)(lo | (hi << 8));
      } break;
      case 0x20: {                                    /* JSR: pushes the address of its last byte */
        uint8_t lo = ARG1(pc); pc++;
        (void)RD(0x100 + sp);
        WR(0x100 + sp, pc >> 8); sp--;
        WR(0x100 + sp, pc & 0xff); sp--;
        uint8_t hi = ARG2(pc); pc++;   /* the stack writes cannot switch banks: ip still holds */
        pc = (uint16_t)(lo | (hi << 8));
      } break;
      case 0x60: {                                    /* RTS */
        (void)RD(0x100 + sp); sp++;
        uint8_t lo = RD(0x100 + sp); sp++;
        uint8_t hi = RD(0x100 + sp);
        pc = (uint16_t)(lo | (hi << 8));
        (void)RD(pc); pc++;
      } break;
      case 0x40: {                                    /* RTI */
        (void)RD(0x100 + sp); sp++;
        UNPACK_STATUS(RD(0x100 + sp)); sp++;
        uint8_t lo = RD(0x100 + sp); sp++;
        uint8_t hi = RD(0x100 + sp);
        pc = (uint16_t)(lo | (hi << 8));
      } break;
      case 0x00: {                                    /* BRK: skips its padding byte (read) */
        (void)ARG1(pc); pc++;
        WR(0x100 + sp, pc >> 8); sp--;
        WR(0x100 + sp, pc & 0xff); sp--;
        WR(0x100 + sp, PACK_STATUS()); sp--;
        fdi |= FLAG_I;
        uint8_t lo = RD(0xfffe);
        uint8_t hi = RD(0xffff);
        pc = (uint16_t)(lo | (hi << 8));
      } break;
      case 0x48: WR(0x100 + sp, a); sp--; break;                       /* PHA */
      case 0x08: WR(0x100 + sp, PACK_STATUS()); sp--; break;         /* PHP */
      case 0x68: (void)RD(0x100 + sp); sp++; a = RD(0x100 + sp); SETNZ(a); break;  /* PLA */
      case 0x28: (void)RD(0x100 + sp); sp++; UNPACK_STATUS(RD(0x100 + sp)); break; /* PLP */

      /* NOPs, official and undocumented (the latter still perform their operand read) */
      case 0xea: case 0x1a: case 0x3a: case 0x5a: case 0x7a: case 0xda: case 0xfa: break;
      case 0x80: case 0x82: case 0x89: case 0xc2: case 0xe2: AM_IMM(); break;
      case 0x04: case 0x44: case 0x64: AM_ZP(); LOAD(); break;
      case 0x14: case 0x34: case 0x54: case 0x74: case 0xd4: case 0xf4: AM_ZPX(); LOAD(); break;
      case 0x0c: AM_ABS(); LOAD(); break;
      case 0x1c: case 0x3c: case 0x5c: case 0x7c: case 0xdc: case 0xfc: AM_ABSI_R(x); LOAD(); break;

      /* Undocumented read-modify-write combinations */
      RMW_COMBO_GROUP(0x00, OP_SLO)
      RMW_COMBO_GROUP(0x20, OP_RLA)
      RMW_COMBO_GROUP(0x40, OP_SRE)
      RMW_COMBO_GROUP(0x60, OP_RRA)
      RMW_COMBO_GROUP(0xc0, OP_DCP)
      RMW_COMBO_GROUP(0xe0, OP_ISB)

      /* LAX / SAX */
      READ_OP(0xa7, AM_ZP(), a = x = v; SETNZ(a))
      READ_OP(0xb7, AM_ZPY(), a = x = v; SETNZ(a))
      READ_OP(0xaf, AM_ABS(), a = x = v; SETNZ(a))
      READ_OP(0xbf, AM_ABSI_R(y), a = x = v; SETNZ(a))
      READ_OP(0xa3, AM_INDX(), a = x = v; SETNZ(a))
      READ_OP(0xb3, AM_INDY_R(), a = x = v; SETNZ(a))
      WRITE_OP(0x87, AM_ZP(), WR(ea, a & x))
      WRITE_OP(0x97, AM_ZPY(), WR(ea, a & x))
      WRITE_OP(0x8f, AM_ABS(), WR(ea, a & x))
      WRITE_OP(0x83, AM_INDX(), WR(ea, a & x))

      /* Undocumented immediate-mode operations, with the reference's formulas */
      case 0x0b: case 0x2b: AM_IMM(); a &= v; SETNZ(a); fc = a >> 7; break;   /* ANC */
      IMM_OP(0x4b, a &= v; fc = a & 1; a = a >> 1; SETNZ(a))                    /* ASR */
      IMM_OP(0x6b, {                                                             /* ARR */
        if (!(fdi & FLAG_D)) {
          a &= v;
          a = (uint8_t)((a >> 1) | (fc << 7));
          fc = (a >> 6) & 1;
          fv = (((a & 0x40) ^ ((a & 0x20) << 1)) != 0);
          SETNZ(a);
        } else {
          uint8_t t = a & v;
          a = (uint8_t)((t >> 1) | (fc << 7));
          fn = fc ? 0x80 : 0;
          fnz = a;
          fv = ((t ^ a) & 0x40) != 0;
          if (((t & 0x0f) + (t & 0x01)) > 0x05) a = (uint8_t)((a & 0xf0) | ((a + 0x06) & 0x0f));
          if (((t & 0xf0) + (t & 0x10)) > 0x50) { a = (uint8_t)(a + 0x60); fc = 1; }
          else fc = 0;
        }
      })
      IMM_OP(0x8b, a = (uint8_t)((a | 0xee) & x & v); SETNZ(a))                  /* ANE */
      IMM_OP(0xab, a = x = (uint8_t)((a | 0xee) & v); SETNZ(a))                  /* LXA */
      IMM_OP(0xcb, {                                                             /* SBX */
        uint16_t d = (uint16_t)((uint16_t)(x & a) - (uint16_t)v);
        x = (uint8_t)d; SETNZ(x); fc = !(d & 0x100);
      })
      READ_OP(0xbb, AM_ABSI_R(y), a = x = sp = sp & v; SETNZ(a))                 /* LAS */
      /* SHA/SHS/SHX/SHY store the register(s) ANDed with (high byte of address + 1). */
      WRITE_OP(0x9f, AM_ABSI_W(y), WR(ea, a & x & ((ea >> 8) + 1)))
      WRITE_OP(0x93, AM_INDY_W(), WR(ea, a & x & ((ea >> 8) + 1)))
      WRITE_OP(0x9b, AM_ABSI_W(y), sp = a & x; WR(ea, a & x & ((ea >> 8) + 1)))
      WRITE_OP(0x9e, AM_ABSI_W(y), WR(ea, x & ((ea >> 8) + 1)))
      WRITE_OP(0x9c, AM_ABSI_W(x), WR(ea, y & ((ea >> 8) + 1)))

      default:
        /* KIL/JAM ($02,$12,...,$F2): the reference stops for good (until reset). */
        cpu->jammed = 1;
        goto out;
    }
  }
out:
  c->cycles = hot.cycles;
  c->dataBus = hot.bus;
  cpu->pc = pc; cpu->a = a; cpu->x = x; cpu->y = y; cpu->sp = sp;
  cpu->p = PACK_STATUS();
  cpu->lastOpcode = op;
  return hot.done;
}
