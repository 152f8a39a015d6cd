; Test kernel for test_tia.c: a standard 262-line NTSC frame with a known picture.
; RAM $80 selects the behaviour (the test sets it before the first frame):
;   0 = frames forever; 1 = three frames, then a JAM opcode right after the
;   fourth VSYNC (a partial frame that is dimmed);
;   2 = WSYNC forever without VSYNC (the scanline limit ends the frame)
; Picture: line 37+y (y = 0..191) has COLUBK = y, PF1 = $F0 in COLUPF $44.
        processor 6502
VSYNC   = $00
VBLANK  = $01
WSYNC   = $02
COLUPF  = $08
COLUBK  = $09
PF1     = $0E
MODE    = $80
COUNT   = $81

        org $F000
start:  sei
        cld
        ldx #$FF
        txs
        lda MODE
        cmp #2
        bne frame
nosync: sta WSYNC
        jmp nosync
frame:  inc COUNT
        lda #2
        sta VSYNC
        sta WSYNC
        sta WSYNC
        sta WSYNC
        lda #0
        sta VSYNC               ; frame line 0 (cycle 5)
        lda MODE
        cmp #1
        bne cont
        lda COUNT
        cmp #3
        bne cont
        .byte $02               ; JAM
cont:
        lda #2
        sta VBLANK
        lda #$F0
        sta PF1
        lda #$44
        sta COLUPF
        ldx #37
vb:     sta WSYNC
        dex
        bne vb
        lda #0
        sta VBLANK              ; line 37
        ldx #0
vis:    stx COLUBK
        sta WSYNC
        inx
        cpx #192
        bne vis
        lda #2
        sta VBLANK              ; line 229
        ldx #30
os:     sta WSYNC
        dex
        bne os
        jmp frame

        org $FFFC
        .word start
        .word start
