; vcs2600.h -- Atari 2600 hardware register names for Arcade Lab's own games.
; Written for this project from the published memory map of the TIA and the
; 6532 RIOT (Stella Programmer's Guide); addresses are hardware facts.
; Usage (dasm):   include "vcs2600.h"

        processor 6502

; ---------------------------------------------------------------------------
; TIA write registers ($00-$2C, mirrored throughout the TIA address space)
; ---------------------------------------------------------------------------
VSYNC   = $00   ; bit 1: vertical sync on/off
VBLANK  = $01   ; bit 1: blank beam; bit 6: latch INPT4/5; bit 7: dump paddles
WSYNC   = $02   ; strobe: halt CPU until the end of the current scanline
RSYNC   = $03   ; strobe: reset horizontal counter (test use only)
NUSIZ0  = $04   ; player/missile 0 size and copies
NUSIZ1  = $05   ; player/missile 1 size and copies
COLUP0  = $06   ; colour-luminance player/missile 0 (left score half in SCORE mode)
COLUP1  = $07   ; colour-luminance player/missile 1 (right score half in SCORE mode)
COLUPF  = $08   ; colour-luminance playfield and ball
COLUBK  = $09   ; colour-luminance background
CTRLPF  = $0A   ; bit0 reflect, bit1 score mode, bit2 PF priority, bits4-5 ball size
REFP0   = $0B   ; bit 3: mirror player 0
REFP1   = $0C   ; bit 3: mirror player 1
PF0     = $0D   ; playfield bits 4-7 (drawn 4..7, leftmost first)
PF1     = $0E   ; playfield bits 7..0 (drawn MSB first)
PF2     = $0F   ; playfield bits 0..7 (drawn LSB first)
RESP0   = $10   ; strobe: reset player 0 position to the beam
RESP1   = $11
RESM0   = $12
RESM1   = $13
RESBL   = $14
AUDC0   = $15   ; audio control (waveform)
AUDC1   = $16
AUDF0   = $17   ; audio frequency divider
AUDF1   = $18
AUDV0   = $19   ; audio volume
AUDV1   = $1A
GRP0    = $1B   ; player 0 graphics byte
GRP1    = $1C
ENAM0   = $1D   ; bit 1: missile 0 on
ENAM1   = $1E
ENABL   = $1F   ; bit 1: ball on
HMP0    = $20   ; horizontal motion, high nibble signed (+ = left)
HMP1    = $21
HMM0    = $22
HMM1    = $23
HMBL    = $24
VDELP0  = $25   ; vertical delay
VDELP1  = $26
VDELBL  = $27
RESMP0  = $28   ; lock missile to player
RESMP1  = $29
HMOVE   = $2A   ; strobe: apply horizontal motion (at the start of a line)
HMCLR   = $2B   ; strobe: clear all motion registers
CXCLR   = $2C   ; strobe: clear collision latches

; ---------------------------------------------------------------------------
; TIA read registers (meaningful bits are 7 and 6)
; ---------------------------------------------------------------------------
CXM0P   = $00
CXM1P   = $01
CXP0FB  = $02
CXP1FB  = $03
CXM0FB  = $04
CXM1FB  = $05
CXBLPF  = $06
CXPPMM  = $07   ; bit 7: player0-player1, bit 6: missile0-missile1
INPT0   = $08   ; paddle inputs
INPT1   = $09
INPT2   = $0A
INPT3   = $0B
INPT4   = $0C   ; bit 7 = 0 while the left joystick's button is pressed
INPT5   = $0D   ; same for the right joystick

; ---------------------------------------------------------------------------
; RIOT (6532): ports and timer
; ---------------------------------------------------------------------------
SWCHA   = $0280 ; joysticks: bit7 P0 right, 6 left, 5 down, 4 up (0 = pressed)
SWACNT  = $0281 ; port A data direction
SWCHB   = $0282 ; console: bit0 RESET, 1 SELECT (0 = pressed), 3 colour, 6/7 difficulty (1 = A)
SWBCNT  = $0283 ; port B data direction
INTIM   = $0284 ; timer value
TIMINT  = $0285 ; bit 7: timer expired
TIM1T   = $0294 ; set timer, 1 cycle per count
TIM8T   = $0295 ; 8 cycles per count
TIM64T  = $0296 ; 64 cycles per count
T1024T  = $0297 ; 1024 cycles per count
