; Functional test for the 6507 core: runs every opcode the reference core implements
; (151 documented + 93 undocumented) on the 2600 memory map (4K ROM at $F000, RAM $80-$FF,
; stack in RAM, TIA below $80) and checks results and flags after each.
; Expected values are the documented NMOS 6502 results, except where the reference core is
; known to differ (decimal-mode flags, undocumented opcodes), where its behaviour is expected.
; Protocol (the test's fake TIA watches these addresses):
;   failure: test number -> $2F, address after the failing check -> $2D (lo) / $2C (hi),
;            then $FF -> $2E (stop)
;   success: $00 -> $2E (stop)
; Build: dasm functional.asm -f3 -ofunctional.bin  (see build.sh)

        processor 6502

ERRNO   = $2F
ERRLO   = $2D
ERRHI   = $2C
DONE    = $2E

testno  = $DF           ; current test number
v0      = $80           ; scratch variables
v1      = $81
v2      = $82
v3      = $83
v4      = $84
ptr     = $C0           ; pointer ($C0/$C1)
ptr2    = $C2
ptr3    = $C4

TNUM    SET 0

        MAC T           ; start a new numbered test
TNUM    SET TNUM+1
        lda #TNUM
        sta testno
        ENDM

        MAC EXPA        ; A == {1}
        cmp #{1}
        beq *+5
        jsr fail
        ENDM

        MAC EXPX
        cpx #{1}
        beq *+5
        jsr fail
        ENDM

        MAC EXPY
        cpy #{1}
        beq *+5
        jsr fail
        ENDM

        MAC EXPM        ; memory {1} == {2} (uses A)
        lda {1}
        cmp #{2}
        beq *+5
        jsr fail
        ENDM

        ; The two flag checks call a routine that reads its parameters from the bytes after
        ; the JSR (keeps the program within 4K). They keep X and Y, clobber A and P, and need
        ; the stack in RAM (SP >= $80).
        MAC EXPP        ; (P & {1}) == {2}, P as the tested instruction left it
        jsr chkp
        .byte {1}, {2}
        ENDM

        MAC EXPAP       ; A == {1} and (P & {2}) == {3}
        jsr chkap
        .byte {1}, {2}, {3}
        ENDM

        MAC SETP        ; P = {1}
        lda #{1}
        pha
        plp
        ENDM

NZ      = $82
NZC     = $83
NVZC    = $C3

        seg code
        org $F000

reset:
        cld
        sei
        ldx #$FF
        txs
        cli

;------------------------------------------------------------------ loads
        T
        lda #$00
        EXPAP $00, NZ, $02
        T
        lda #$80
        EXPAP $80, NZ, $80
        T
        ldx #$12
        EXPX $12
        ldy #$34
        EXPY $34
        T
        lda #$55
        sta v0
        lda #$00
        lda v0
        EXPA $55
        T
        ldx #$03
        lda #$66
        sta v3
        lda #0
        lda v0,x                ; $83
        EXPA $66
        T
        lda $FEA5               ; identity table
        EXPA $A5
        T
        ldx #$10
        lda $FEE0,x             ; $FEF0
        EXPA $F0
        lda $FEF8,x             ; page cross -> $FF08
        EXPA $08
        T
        ldy #$21
        lda $FEF0,y             ; $FF11
        EXPA $11
        T
        lda #$34
        sta ptr
        lda #$FE
        sta ptr+1
        ldx #$02
        lda #0
        lda (ptr-2,x)           ; -> $FE34
        EXPA $34
        T
        ldy #$E0
        lda (ptr),y             ; $FE34+$E0 = $FF14 (cross)
        EXPA $14
        T
        ldx v0                  ; $55
        EXPX $55
        ldy #$02
        ldx v1,y                ; $83 = $66
        EXPX $66
        ldx $FE77
        EXPX $77
        ldy #$F0
        ldx $FE20,y             ; $FF10
        EXPX $10
        T
        ldy v3
        EXPY $66
        ldx #$01
        ldy v2,x
        EXPY $66
        ldy $FEC3
        EXPY $C3
        ldx #$FF
        ldy $FE01,x             ; $FF00
        EXPY $00
        T
        ldx #$80
        EXPP NZ, $80
        ldy #$00
        EXPP NZ, $02

;------------------------------------------------------------------ stores
        T
        lda #$11
        ldx #$22
        ldy #$33
        sta v0
        stx v1
        sty v2
        EXPM v0, $11
        EXPM v1, $22
        EXPM v2, $33
        T
        lda #$44
        ldx #$02
        sta v0,x                ; v2
        ldy #$01
        ldx #$55
        stx v2,y                ; v3
        ldx #$03
        ldy #$66
        sty v1,x                ; v4
        EXPM v2, $44
        EXPM v3, $55
        EXPM v4, $66
        T
        lda #$77
        sta.w $0080
        ldx #$88
        stx.w $0081
        ldy #$99
        sty.w $0082
        EXPM v0, $77
        EXPM v1, $88
        EXPM v2, $99
        T
        lda #$AA
        ldx #$03
        sta.w $0080,x             ; v3
        ldy #$04
        lda #$BB
        sta.w $0080,y             ; v4
        EXPM v3, $AA
        EXPM v4, $BB
        T
        lda #$90                ; ptr -> $0090
        sta ptr
        lda #$00
        sta ptr+1
        lda #$CC
        ldx #$04
        sta (ptr-4,x)           ; $90
        ldy #$02
        lda #$DD
        sta (ptr),y             ; $92
        EXPM $90, $CC
        EXPM $92, $DD

;------------------------------------------------------------------ logic: ORA AND EOR
        T
        lda #$0F
        sta v0
        lda #$F0
        ora #$01
        EXPAP $F1, NZ, $80
        lda #$00
        ora v0
        EXPA $0F
        ldx #$01
        lda #$10
        ora v0-1,x
        EXPA $1F
        lda #$40
        ora $FE03
        EXPA $43
        lda #$00
        ora $FE00,x
        EXPA $01
        ldy #$02
        lda #$00
        ora $FE00,y
        EXPAP $02, NZ, $00
        lda #$FE
        sta ptr+1
        lda #$08
        sta ptr
        lda #$01
        ora (ptr-1,x)
        EXPA $09
        lda #$00
        ora (ptr),y             ; $FE0A
        EXPA $0A
        T
        lda #$3C
        sta v0
        lda #$FF
        and #$0F
        EXPA $0F
        lda #$F0
        and v0
        EXPAP $30, NZ, $00
        lda #$0F
        and v0-1,x
        EXPA $0C
        lda #$FF
        and $FEC0
        EXPAP $C0, NZ, $80
        lda #$FF
        and $FE00,x
        EXPA $01
        lda #$FF
        and $FE00,y
        EXPA $02
        lda #$FF
        and (ptr-1,x)
        EXPA $08
        lda #$F0
        and (ptr),y
        EXPAP $00, NZ, $02
        T
        lda #$FF
        eor #$0F
        EXPAP $F0, NZ, $80
        lda #$3C
        eor v0
        EXPAP $00, NZ, $02
        lda #$00
        eor v0-1,x
        EXPA $3C
        lda #$FF
        eor $FEFF
        EXPA $00
        lda #$01
        eor $FE00,x
        EXPA $00
        lda #$01
        eor $FE00,y
        EXPA $03
        lda #$01
        eor (ptr-1,x)
        EXPA $09
        lda #$0B
        eor (ptr),y
        EXPA $01

;------------------------------------------------------------------ ADC / SBC binary
        T
        SETP $00
        lda #$50
        adc #$50
        EXPAP $A0, NVZC, $C0
        SETP $00
        lda #$FF
        adc #$01
        EXPAP $00, NVZC, $03
        SETP $00
        lda #$80
        adc #$FF
        EXPAP $7F, NVZC, $41
        SETP $01
        lda #$01
        adc #$01
        EXPAP $03, NVZC, $00
        T
        lda #$10
        sta v0
        ldx #$01
        ldy #$02
        clc
        lda #$01
        adc v0
        EXPA $11
        clc
        adc v0-1,x
        EXPA $21
        clc
        adc $FE05
        EXPA $26
        clc
        adc $FE00,x
        EXPA $27
        clc
        adc $FE00,y
        EXPA $29
        lda #$05
        sta ptr
        lda #$FE
        sta ptr+1
        clc
        lda #$01
        adc (ptr-1,x)
        EXPA $06
        clc
        adc (ptr),y             ; $FE07
        EXPA $0D
        T
        SETP $01
        lda #$50
        sbc #$F0
        EXPAP $60, NVZC, $00
        SETP $01
        lda #$50
        sbc #$B0
        EXPAP $A0, NVZC, $C0
        SETP $01
        lda #$D0
        sbc #$70
        EXPAP $60, NVZC, $41
        SETP $00
        lda #$05
        sbc #$04
        EXPAP $00, NVZC, $03
        SETP $01
        lda #$10
        .byte $EB, $01          ; undocumented SBC #imm
        EXPAP $0F, NVZC, $01
        T
        sec
        lda #$40
        sbc v0                  ; $10
        EXPA $30
        sec
        sbc v0-1,x
        EXPA $20
        sec
        sbc $FE05
        EXPA $1B
        sec
        sbc $FE00,x
        EXPA $1A
        sec
        sbc $FE00,y
        EXPA $18
        sec
        sbc (ptr-1,x)           ; $FE05
        EXPA $13
        sec
        sbc (ptr),y             ; $FE07
        EXPA $0C

;------------------------------------------------------------------ decimal mode
        T
        SETP $08
        lda #$09
        adc #$01
        EXPAP $10, NVZC, $00
        SETP $09
        lda #$58
        adc #$46
        EXPAP $05, NVZC, $01
        SETP $08
        lda #$99
        adc #$01
        EXPAP $00, NVZC, $03
        SETP $09
        lda #$79
        adc #$00
        EXPAP $80, NVZC, $C0
        T
        SETP $09
        lda #$46
        sbc #$12
        EXPAP $34, NVZC, $01
        SETP $09
        lda #$40
        sbc #$13
        EXPAP $27, NVZC, $01
        SETP $09
        lda #$00
        sbc #$01
        EXPAP $99, NVZC, $C0
        SETP $08
        lda #$21
        sbc #$01
        EXPAP $19, NVZC, $01
        cld

;------------------------------------------------------------------ compares, BIT
        T
        lda #$40
        cmp #$41
        EXPP NZC, $80
        lda #$40
        cmp #$40
        EXPP NZC, $03
        lda #$40
        cmp #$3F
        EXPP NZC, $01
        lda #$40
        sta v0
        ldx #$01
        ldy #$02
        lda #$40
        cmp v0
        EXPP NZC, $03
        lda #$40
        cmp v0-1,x
        EXPP NZC, $03
        lda #$40
        cmp $FE40
        EXPP NZC, $03
        lda #$40
        cmp $FE3F,x
        EXPP NZC, $03
        lda #$40
        cmp $FE3E,y
        EXPP NZC, $03
        lda #$40
        sta ptr
        lda #$FE
        sta ptr+1
        lda #$40
        cmp (ptr-1,x)
        EXPP NZC, $03
        lda #$42
        cmp (ptr),y
        EXPP NZC, $03
        T
        ldx #$40
        cpx #$41
        EXPP NZC, $80
        cpx v0
        EXPP NZC, $03
        cpx $FE30
        EXPP NZC, $01
        ldy #$40
        cpy #$40
        EXPP NZC, $03
        cpy v0
        EXPP NZC, $03
        cpy $FE50
        EXPP NZC, $80
        T
        lda #$C0
        sta v1
        lda #$3F
        bit v1
        EXPP $C2, $C2
        lda #$40
        bit $FEC0
        EXPP $C2, $C0
        lda #$01
        bit $FE01
        EXPP $C2, $00

;------------------------------------------------------------------ shifts, INC/DEC
        T
        SETP $00
        lda #$81
        asl
        EXPAP $02, NZC, $01
        SETP $00
        lda #$02
        lsr
        EXPAP $01, NZC, $00
        SETP $00
        lda #$01
        lsr
        EXPAP $00, NZC, $03
        SETP $01
        lda #$40
        rol
        EXPAP $81, NZC, $80
        SETP $00
        lda #$81
        rol
        EXPAP $02, NZC, $01
        SETP $01
        lda #$02
        ror
        EXPAP $81, NZC, $80
        SETP $00
        lda #$81
        ror
        EXPAP $40, NZC, $01
        T
        lda #$81
        sta v0
        lda #$01
        sta v1
        ldx #$01
        clc
        asl v0
        EXPP NZC, $01
        EXPM v0, $02
        asl v0-1,x
        EXPM v0, $04
        asl.w $0080
        EXPM v0, $08
        asl.w $007F,x
        EXPM v0, $10
        lsr v1
        EXPP NZC, $03
        EXPM v1, $00
        lda #$08
        sta v0
        lsr v0
        lsr v0-1,x
        lsr.w $0080
        lsr.w $007F,x
        EXPP NZC, $03
        EXPM v0, $00
        T
        lda #$40
        sta v0
        sec
        rol v0                  ; 81 C=0
        EXPM v0, $81
        clc
        rol v0-1,x              ; 02 C=1
        rol.w $0080               ; 05 C=0
        rol.w $007F,x             ; 0A C=0
        EXPM v0, $0A
        sec
        ror v0                  ; 85 C=0
        EXPM v0, $85
        clc
        ror v0-1,x              ; 42 C=1
        ror.w $0080               ; A1 C=0
        ror.w $007F,x             ; 50 C=1
        EXPP NZC, $01
        EXPM v0, $50
        T
        lda #$FF
        sta v0
        inc v0
        EXPP NZ, $02
        inc v0-1,x
        inc.w $0080
        inc.w $007F,x
        EXPM v0, $03
        dec v0
        dec v0-1,x
        dec.w $0080
        EXPP NZ, $02
        dec.w $007F,x
        EXPP NZ, $80
        EXPM v0, $FF

;------------------------------------------------------------------ register ops
        T
        lda #$80
        tax
        EXPX $80
        tay
        EXPY $80
        lda #$00
        txa
        EXPA $80
        lda #$00
        tya
        EXPAP $80, NZ, $80
        ldx #$00
        inx
        EXPX $01
        dex
        EXPP NZ, $02
        dex
        EXPX $FF
        ldy #$7F
        iny
        EXPP NZ, $80
        dey
        EXPY $7F
        T
        tsx
        EXPX $FF
        ldx #$F0
        txs
        tsx
        EXPX $F0
        ldx #$FF
        txs

;------------------------------------------------------------------ flags and branches
        T
        SETP $00
        sec
        EXPP $FF, $31
        SETP $00
        sed
        EXPP $FF, $38
        SETP $00
        sei
        EXPP $FF, $34
        SETP $FF
        clc
        EXPP $FF, $FE
        SETP $FF
        cld
        EXPP $FF, $F7
        SETP $FF
        cli
        EXPP $FF, $FB
        SETP $FF
        clv
        EXPP $FF, $BF
        cld
        cli
        T
        SETP $00
        bpl .b1
        jsr fail
.b1     bmi .bad1
        bvc .b2
.bad1   jsr fail
.b2     bvs .bad2
        bcc .b3
.bad2   jsr fail
.b3     bcs .bad3
        bne .b4
.bad3   jsr fail
.b4     beq .bad4
        SETP $C3
        bmi .b5
.bad4   jsr fail
.b5     bpl .bad5
        bvs .b6
.bad5   jsr fail
.b6     bvc .bad6
        bcs .b7
.bad6   jsr fail
.b7     bcc .bad7
        beq .b8
.bad7   jsr fail
.b8     bne .bad8
        jmp .b9
.bad8   jsr fail
.b9
        T                       ; backward branch across a loop
        ldx #$05
        lda #$00
.loop   clc
        adc #$02
        dex
        bne .loop
        EXPA $0A

;------------------------------------------------------------------ stack, jumps, subroutines
        T
        lda #$5A
        pha
        SETP $C3
        php
        lda #$00
        SETP $00
        plp
        EXPP $FF, $F3
        pla
        EXPA $5A
        tsx
        EXPX $FF
        T
        lda #$00
        jsr sub1
        EXPA $42
        tsx
        EXPX $FF
        T
        jmp .j1
        jsr fail
.j1     lda #<.j2
        sta ptr
        lda #>.j2
        sta ptr+1
        jmp (ptr)
        jsr fail
.j2     jmp (jvec)              ; vector at $xxFF: high byte comes from $xx00
        jsr fail
jret
        T                       ; BRK / RTI
        SETP $09
        brk
        .byte $FF               ; padding byte skipped by BRK
        php
        pla
        cmp #$39                ; RTI restored D, C (and B reads 1)
        beq *+5
        jsr fail
        cld
        lda brkseen
        EXPA $A5

;------------------------------------------------------------------ NOPs
        T
        SETP $00
        lda #$11
        ldx #$22
        ldy #$33
        nop
        .byte $1A, $3A, $5A, $7A, $DA, $FA
        .byte $80, $FF, $82, $FF, $89, $FF, $C2, $FF, $E2, $FF
        .byte $04, $80, $44, $80, $64, $80
        .byte $14, $80, $34, $80, $54, $80, $74, $80, $D4, $80, $F4, $80
        .byte $0C, $00, $FE, $1C, $00, $FE, $3C, $00, $FE, $5C, $00, $FE
        .byte $7C, $00, $FE, $DC, $00, $FE, $FC, $F0, $FE
        EXPAP $11, $FF, $30
        EXPX $22
        EXPY $33

;------------------------------------------------------------------ undocumented: LAX SAX
        T
        lda #$8F
        sta v0
        lda #$00
        .byte $A7, v0           ; LAX v0
        EXPAP $8F, NZ, $80
        EXPX $8F
        ldy #$01
        lda #$3C
        sta v1
        .byte $B7, v0           ; LAX v0,Y
        EXPX $3C
        .byte $AF, $77, $FE     ; LAX $FE77
        EXPX $77
        ldy #$20
        .byte $BF, $F0, $FE     ; LAX $FEF0,Y -> $FF10
        EXPA $10
        EXPX $10
        lda #$33
        sta ptr
        lda #$FE
        sta ptr+1
        ldx #$02
        .byte $A3, ptr-2        ; LAX (ptr-2,X)
        EXPX $33
        ldy #$01
        .byte $B3, ptr          ; LAX (ptr),Y
        EXPX $34
        T
        lda #$F3
        ldx #$3E
        .byte $87, v0           ; SAX v0
        ldy #$01
        .byte $97, v0           ; SAX v0,Y -> v1
        .byte $8F, $82, $00     ; SAX $0082
        lda #$90
        sta ptr
        lda #$00
        sta ptr+1
        lda #$F3
        ldx #$04
        .byte $83, ptr-4        ; SAX (ptr-4,X) -> $90 = F3 & 04 = 00
        EXPM v0, $32
        EXPM v1, $32
        EXPM v2, $32
        EXPM $90, $00

;------------------------------------------------------------------ undocumented: RMW combos
        ; SLO: ASL mem, ORA
        T
        lda #$81
        sta v0
        lda #$01
        clc
        .byte $07, v0           ; SLO v0: v0=02 C=1 A=03
        EXPAP $03, NZC, $01
        EXPM v0, $02
        ldx #$01
        lda #$00
        .byte $17, v0-1         ; SLO v0-1,X: v0=04
        EXPA $04
        lda #$00
        .byte $0F, v0, $00      ; SLO $0080: 08
        EXPA $08
        lda #$00
        .byte $1F, v0-1, $00    ; SLO $007F,X: 10
        EXPA $10
        ldy #$02
        lda #$00
        .byte $1B, v0-2, $00    ; SLO $007E,Y: 20
        EXPA $20
        lda #v0
        sta ptr
        lda #$00
        sta ptr+1
        lda #$00
        .byte $03, ptr-1        ; SLO (ptr-1,X): 40
        EXPA $40
        ldy #$00
        lda #$00
        .byte $13, ptr          ; SLO (ptr),Y: 80
        EXPAP $80, NZC, $80
        EXPM v0, $80

        ; RLA: ROL mem, AND
        T
        lda #$81
        sta v0
        clc
        lda #$FF
        .byte $27, v0           ; v0 = 02, C=1, A=02
        EXPAP $02, NZC, $01
        sec
        lda #$FF
        .byte $37, v0-1         ; v0 = 05 (C in), C=0
        EXPA $05
        clc
        lda #$FF
        .byte $2F, v0, $00      ; 0A
        lda #$FF
        .byte $3F, v0-1, $00    ; 14
        ldy #$02
        lda #$FF
        .byte $3B, v0-2, $00    ; 28
        lda #$FF
        .byte $23, ptr-1        ; 50
        ldy #$00
        lda #$FF
        .byte $33, ptr          ; A0
        EXPAP $A0, NZC, $80
        EXPM v0, $A0

        ; SRE: LSR mem, EOR
        T
        lda #$FF
        sta v0
        lda #$00
        .byte $47, v0           ; 7F C=1 A=7F
        EXPAP $7F, NZC, $01
        lda #$00
        .byte $57, v0-1         ; 3F
        .byte $4F, v0, $00      ; 1F  A = 3F^1F = 20
        EXPA $20
        lda #$00
        .byte $5F, v0-1, $00    ; 0F
        ldy #$02
        .byte $5B, v0-2, $00    ; 07  A = 0F^07 = 08
        .byte $43, ptr-1        ; 03  A = 0B
        ldy #$00
        .byte $53, ptr          ; 01  A = 0A, C=1
        EXPAP $0A, NZC, $01
        EXPM v0, $01

        ; RRA: ROR mem, ADC
        T
        lda #$02
        sta v0
        sec
        lda #$10
        .byte $67, v0           ; v0 = 81, C=0; A = 10+81 = 91
        EXPAP $91, NVZC, $80
        lda #$00
        clc
        .byte $77, v0-1         ; v0 = 40 C=1; A = 0+40+1 = 41
        EXPA $41
        lda #$00
        clc
        .byte $6F, v0, $00      ; v0 = 20 C=0 -> 20
        .byte $7F, v0-1, $00    ; v0 = 10 C=0 -> 30
        ldy #$02
        .byte $7B, v0-2, $00    ; v0 = 08 -> 38
        .byte $63, ptr-1        ; v0 = 04 -> 3C
        ldy #$00
        .byte $73, ptr          ; v0 = 02 -> 3E
        EXPAP $3E, NVZC, $00
        EXPM v0, $02

        ; DCP: DEC mem, CMP
        T
        lda #$41
        sta v0
        lda #$40
        .byte $C7, v0           ; v0 = 40 -> equal
        EXPP NZC, $03
        lda #$40
        .byte $D7, v0-1         ; 3F -> A greater
        EXPP NZC, $01
        lda #$40
        .byte $CF, v0, $00      ; 3E
        .byte $DF, v0-1, $00    ; 3D
        ldy #$02
        .byte $DB, v0-2, $00    ; 3C
        .byte $C3, ptr-1        ; 3B
        ldy #$00
        .byte $D3, ptr          ; 3A
        EXPP NZC, $01
        EXPM v0, $3A

        ; ISB: INC mem, SBC
        T
        lda #$0F
        sta v0
        sec
        lda #$30
        .byte $E7, v0           ; v0 = 10; A = 20
        EXPAP $20, NVZC, $01
        sec
        lda #$20
        .byte $F7, v0-1         ; 11 -> 0F
        EXPA $0F
        sec
        lda #$50
        .byte $EF, v0, $00      ; 12 -> 3E
        .byte $FF, v0-1, $00    ; 13 -> 2B
        ldy #$02
        .byte $FB, v0-2, $00    ; 14 -> 17
        .byte $E3, ptr-1        ; 15 -> 02
        ldy #$00
        .byte $F3, ptr          ; 16 -> EC, borrow
        EXPAP $EC, NVZC, $80
        EXPM v0, $16

;------------------------------------------------------------------ undocumented: immediates
        T
        SETP $00
        lda #$81
        .byte $0B, $FF          ; ANC
        EXPAP $81, NZC, $81
        lda #$7F
        .byte $2B, $F0          ; ANC
        EXPAP $70, NZC, $00
        lda #$03
        .byte $4B, $FF          ; ASR
        EXPAP $01, NZC, $01
        SETP $01
        lda #$FF
        .byte $6B, $FF          ; ARR binary
        EXPAP $FF, NVZC, $81
        SETP $00
        lda #$FF
        .byte $6B, $40          ; ARR binary: 20, V=1
        EXPAP $20, NVZC, $40
        SETP $08
        lda #$FF
        .byte $6B, $FF          ; ARR decimal (reference fix-ups): D5, C=1
        EXPAP $D5, NVZC, $01
        cld
        T
        lda #$12
        ldx #$0F
        .byte $8B, $FF          ; ANE: (A|EE)&X&imm = 0E
        EXPA $0E
        lda #$01
        .byte $AB, $3C          ; LXA: (A|EE)&imm = 2C -> A, X
        EXPA $2C
        EXPX $2C
        lda #$F0
        ldx #$3C
        .byte $CB, $10          ; SBX: X = (A&X)-imm = 20, C=1
        EXPP NZC, $01
        EXPX $20
        lda #$F0
        ldx #$3C
        .byte $CB, $40          ; SBX borrow: F0, C=0
        EXPP NZC, $80
        EXPX $F0
        T
        ldx #$F5
        txs
        ldy #$00
        .byte $BB, $3F, $FE     ; LAS $FE3F,Y: A=X=SP = F5 & 3F = 35
        EXPA $35
        EXPX $35
        tsx
        EXPX $35
        ldx #$FF
        txs
        T
        lda #$FF
        ldx #$FF
        ldy #$03
        .byte $9F, $80, $00     ; SHA $0080,Y -> $83 = FF&FF&01
        EXPM v3, $01
        ldx #$FF
        .byte $9E, $84, $00     ; SHX $0084,Y -> $87 = 01
        EXPM $87, $01
        ldy #$03
        ldx #$08
        .byte $9C, $80, $00     ; SHY $0080,X -> $88 = 03&01
        EXPM $88, $01
        lda #$80
        sta ptr
        lda #$00
        sta ptr+1
        lda #$FF
        ldx #$FF
        ldy #$05
        .byte $93, ptr          ; SHA (ptr),Y -> $85 = 01
        EXPM $85, $01
        tsx
        stx v4                  ; save SP
        lda #$F7
        ldx #$7F
        ldy #$09
        .byte $9B, $80, $00     ; SHS $0080,Y: SP = 77, $89 = 77&01 = 01
        tsx
        EXPX $77
        ldx v4
        txs
        EXPM $89, $01

;------------------------------------------------------------------ done
        lda #$00
        sta DONE
        jmp *

sub1    lda #$42
        rts

tmpa    = $D0
tmpp    = $D1
tmpx    = $D2
tmpy    = $D3
chkskip = $D4

chkp    php
        sta tmpa
        lda #2                  ; two parameter bytes, no A check
        bne chkcommon
chkap   php
        sta tmpa
        lda #3                  ; three parameter bytes, A check first
chkcommon
        sta chkskip
        pla
        sta tmpp
        cld                     ; the address arithmetic below must be binary
        stx tmpx
        sty tmpy
        tsx
        lda $0101,x             ; return address = last byte of the JSR
        sta ptr3
        lda $0102,x
        sta ptr3+1
        ldy #1
        lda chkskip
        cmp #3
        bne .flags
        lda tmpa
        cmp (ptr3),y
        bne chkfail
        iny
.flags  lda tmpp
        and (ptr3),y
        iny
        cmp (ptr3),y
        bne chkfail
        clc                     ; return past the parameter bytes
        lda ptr3
        adc chkskip
        sta $0101,x
        lda ptr3+1
        adc #0
        sta $0102,x
        ldx tmpx
        ldy tmpy
        rts
chkfail lda testno
        sta ERRNO
        lda ptr3
        sta ERRLO
        lda ptr3+1
        sta ERRHI
        lda #$FF
        sta DONE
        jmp *

fail    lda testno
        sta ERRNO
        pla
        sta ERRLO
        pla
        sta ERRHI
        lda #$FF
        sta DONE
        jmp *

brkhandler
        lda #$A5
        sta brkseen
        rti

brkseen = $DE

        org $FD00
        .byte >jret             ; JMP ($FDFF) takes its high byte from here ($FD00)
        org $FDFF
jvec    .byte <jret

        org $FE00               ; identity table: byte at $FExx / $FFxx = xx (up to the vectors)
        REPEAT 256
        .byte <(* - $FE00)
        REPEND
        REPEAT 250
        .byte <(* - $FF00)
        REPEND

        org $FFFA
        .word reset
        .word reset
        .word brkhandler
