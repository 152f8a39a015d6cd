; ===========================================================================
; CATCH -- Arcade Lab's built-in Atari 2600 game (4K, NTSC, joystick)
;
; Fruit falls from the top of the screen, one at a time, at a random column.
; Move the basket LEFT/RIGHT along the bottom to catch it.
;   +1 point per fruit caught (score kept in BCD, shown top left)
;   a fruit that reaches the basket's rim outside the basket costs a life
;   5 lives (shown top right); the game ends at 0 lives, or won at 99 points
;   the fall speed grows with the score: 1.5 rows/frame at 0 -> 2.66 at 99
; The game starts playing at power-on and after the console RESET switch is
; released; FIRE is never needed (after a game over, FIRE or RESET restarts).
; Left difficulty switch A = narrow basket (16 px instead of 32 px).
;
; Determinism: all RAM is cleared at power-on and on every frame RESET is held,
; so the state after a RESET does not depend on anything before it. The only
; randomness is a 16-bit LFSR seeded with a constant at reset; it steps once
; per frame and once more on frames where the joystick is pushed left/right,
; so the fruit sequence depends on the frame count and the player's inputs.
;
; Frame: 3 VSYNC + 37 VBLANK (RIOT timer) + 192 visible + 30 overscan (timer)
; = 262 scanlines. See roms/README.md for the RAM map used by the environment.
;
; Build: roms/build.sh (dasm catch.asm -I../include -f3 -o../../public/roms/catch.bin)
; ===========================================================================

        processor 6502
        include "vcs2600.h"

; ---------------------------------------------------------------------------
; Constants
; ---------------------------------------------------------------------------
PLAY_H      = 148       ; scanlines in the play area; row 147 is the top, 0 the bottom
FRUIT_H     = 12        ; fruit sprite height in rows
SPAWN_Y     = PLAY_H - FRUIT_H  ; bottom row of a freshly spawned fruit (fully visible)
PAD_Y       = 4         ; bottom row of the basket
PAD_H       = 8         ; basket sprite height
RIM_Y       = PAD_Y + PAD_H - 1 ; a fruit whose bottom row reaches this row is decided
START_LIVES = 5
WIN_SCORE   = $99       ; BCD score that wins (and ends) the game
; x coordinates are screen pixels (0..159) of an object's left edge.
PAD_MIN     = 16        ; walls are 16 px wide on both sides: the field is 16..143
PAD_MAX_W   = 112       ; rightmost x of the 32 px basket (difficulty B)
PAD_MAX_N   = 128       ; rightmost x of the 16 px basket (difficulty A)
PAD_START   = 64        ; basket x after reset (centred)
PAD_SPEED   = 3         ; pixels per frame
FRUIT_XMIN  = 16        ; fruit x = 16 + r, r = random 0..120 (fruit is 8 px wide)
FRUIT_XMAX  = 136
SPEED_BASE  = 384       ; fall speed in 1/256 rows per frame at score 0 (1.5) ...
                        ; ... plus 3/256 per point (binary score): 2.66 at 99
CATCH_OFS   = 6         ; caught if 0 <= FruitX - PadX + CATCH_OFS < CATCH_W, i.e. the
CATCH_W_W   = 37        ;   fruit and the 32 px basket overlap by at least 2 pixels
CATCH_W_N   = 21        ;   (16 px basket)
; Pixel offsets of the positioning routine (measured on the emulator): an object
; reset by SetHorizPos with A = x shows its first pixel at x + 6 (players), x + 7
; (double/quad-width player), x + 5 (ball). PositionObjects subtracts them.
OFS_P       = 6
OFS_P_WIDE  = 7
OFS_BL      = 5
NUSIZ_W     = $07       ; quad-width player: the 32 px basket
NUSIZ_N     = $05       ; double-width player: the 16 px basket
SEED_LO     = $5A       ; LFSR seed (any nonzero value)
SEED_HI     = $C3
LFSR_TAPS   = $B4       ; x^16+x^14+x^13+x^11+1, maximal length

; Timer values, derived from the RIOT rule "INTIM reads 0 during the last 64-cycle
; interval": the VBLANK timer is set 6 cycles into line 3 and reads 0 from cycle ~23
; of line 39; the overscan timer is set at cycle ~47 of line 232 and reads 0 from
; cycle ~20 of line 261. Both leave >15 cycles of margin either side.
VBLANK_TIM  = 44
OVERSCAN_TIM = 35

; Colours (NTSC)
COL_SKY     = $80       ; dark blue
COL_SKYMISS = $42       ; red flash after a miss
COL_WALL    = $0A       ; grey walls/top bar
COL_GROUND  = $C6       ; green
COL_OVER    = $44       ; ground turns red when the game is lost
COL_WON     = $1C       ; ... yellow when the game is won
COL_SCORE   = $1E       ; yellow score digits
COL_LIVES   = $4A       ; pink lives digit
COL_BASKET  = $2C       ; orange-brown basket
COL_FLASH   = $0E       ; white basket after a catch

; ---------------------------------------------------------------------------
; RAM ($80-$FF). The first bytes are the public interface (roms/README.md).
; ---------------------------------------------------------------------------
        SEG.U vars
        ORG $80
Score       ds 1        ; $80 BCD, $00..$99: fruit caught
Lives       ds 1        ; $81 0..5
GameState   ds 1        ; $82 0 playing, 1 lost (lives 0), 2 won (score 99)
ScoreBin    ds 1        ; $83 binary copy of the score (drives the speed)
FrameCnt    ds 1        ; $84 frames since reset (wraps)
RandLo      ds 1        ; $85 LFSR
RandHi      ds 1        ; $86
PadX        ds 1        ; $87 basket x (left edge, logical pixels)
FruitX      ds 1        ; $88 fruit x (left edge)
FruitY      ds 1        ; $89 fruit bottom row (integer part)
FruitYFrac  ds 1        ; $8A fractional part (1/256 row)
Missed      ds 1        ; $8B 1 while a missed fruit falls past the basket
FruitCol    ds 1        ; $8C fruit colour
CatchFlash  ds 1        ; $8D frames of white basket left
MissFlash   ds 1        ; $8E frames of red sky left
OverTimer   ds 1        ; $8F frames since game over (saturates at 255)
SndTimer    ds 1        ; $90 frames of sound left
Dropped     ds 1        ; $91 fruits resolved (caught + missed), binary, saturates
Tmp         ds 1        ; $92
SpeedLo     ds 1        ; $93
SpeedHi     ds 1        ; $94
ScoreGfx    ds 5        ; $95-$99 PF1 bytes for the score rows (tens|ones)
LivesGfx    ds 5        ; $9A-$9E PF1 bytes for the lives digit
TensPtr     ds 2        ; $9F
OnesPtr     ds 2        ; $A1
LivesPtr    ds 2        ; $A3

; ---------------------------------------------------------------------------
        SEG code
        ORG $F000

; ---------------------------------------------------------------------------
; Power-on: clear the TIA and all RAM, set the stack, start a game.
; Page 1 mirrors page 0 on the 2600, so pushing 256 zeros from $1FF down to $100
; clears both the TIA registers ($00-$7F) and RAM ($80-$FF).
; ---------------------------------------------------------------------------
PowerOn:
        sei
        cld
        ldx #0
        txa
.clear: dex
        txs
        pha
        bne .clear              ; ends with X=0, SP=$FF
        jsr InitGame

; ---------------------------------------------------------------------------
; Main frame loop
; ---------------------------------------------------------------------------
MainLoop:
        ; --- 3 lines of vertical sync (VBLANK stays on) ---
        lda #2
        sta WSYNC               ; end the last overscan line
        sta VBLANK
        sta VSYNC               ; line 0
        sta WSYNC
        sta WSYNC
        sta WSYNC               ; end of line 2
        lda #VBLANK_TIM         ; line 3 starts: 37 lines of blanking, timed
        sta TIM64T
        lda #0
        sta VSYNC               ; the frame boundary seen by the environment

        ; --- console RESET held: wipe RAM and restart (every frame it is held) ---
        lda SWCHB
        lsr                     ; bit 0 -> carry; 0 = pressed
        bcs .noReset
        jsr ClearRamAndInit     ; does not return here: resets the stack
.noReset:
        jsr GameLogic
AfterLogic:
        jsr PrepareDigits
        jsr PositionObjects

.waitVblank:
        lda INTIM
        bne .waitVblank
        sta WSYNC               ; end of line 39, the last blank line
        ; ---- visible line 0 ----
        sta VBLANK              ; A = 0: beam on
        jmp Kernel

; ---------------------------------------------------------------------------
; RESET switch (or FIRE after a game over): clear $80-$FF and restart. Never
; returns: it rebuilds the stack and rejoins the frame after the logic step, so
; it may be entered from any depth.
; ---------------------------------------------------------------------------
ClearRamAndInit:
        lda #0
        sta AUDV0               ; silence a sound cut short by the restart
        ldx #$7F
.clr:   sta $80,x
        dex
        bpl .clr
        ldx #$FF
        txs
        jsr InitGame
        jmp AfterLogic          ; no game step this frame: the game starts when RESET is released

; InitGame: RAM is zero on entry.
InitGame:
        lda #START_LIVES
        sta Lives
        lda #SEED_LO
        sta RandLo
        lda #SEED_HI
        sta RandHi
        lda #PAD_START
        sta PadX
        jsr SpawnFruit
        rts

; ---------------------------------------------------------------------------
; Per-frame game logic (VBLANK)
; ---------------------------------------------------------------------------
GameLogic:
        inc FrameCnt
        jsr RandStep
        lda SWCHA
        and #$C0
        cmp #$C0
        beq .noMix
        jsr RandStep            ; joystick pushed: input feeds the randomness
.noMix:
        ; sound
        lda SndTimer
        beq .quiet
        dec SndTimer
        lda #8
.quiet: sta AUDV0
        ; flashes
        lda CatchFlash
        beq .cf
        dec CatchFlash
.cf:    lda MissFlash
        beq .mf
        dec MissFlash
.mf:
        lda GameState
        beq Play
        ; --- game over: FIRE restarts after one second ---
        lda OverTimer
        cmp #255
        beq .sat
        inc OverTimer
.sat:   cmp #60
        bcc .done
        bit INPT4
        bmi .done               ; bit 7 set = button released
        jmp ClearRamAndInit
.done:  rts

Play:
        ; --- basket movement ---
        lda SWCHA
        bmi .noRight            ; bit 7 = 1: right not pressed
        lda PadX
        clc
        adc #PAD_SPEED
        tax
        lda #PAD_MAX_W
        bit SWCHB               ; bit 6 -> V: left difficulty A = narrow
        bvc .wide1
        lda #PAD_MAX_N
.wide1: sta Tmp
        cpx Tmp
        bcc .okR
        ldx Tmp
.okR:   stx PadX
.noRight:
        lda SWCHA
        and #$40
        bne .noLeft             ; bit 6 = 1: left not pressed
        lda PadX
        sec
        sbc #PAD_SPEED
        cmp #PAD_MIN
        bcs .okL
        lda #PAD_MIN
.okL:   sta PadX
.noLeft:
        ; --- fall speed = SPEED_BASE + 3 * ScoreBin (1/256 rows per frame) ---
        lda #0
        sta SpeedHi
        lda ScoreBin
        asl                     ; 2 * score (<= 198, no carry)
        clc
        adc ScoreBin            ; 3 * score (<= 297)
        rol SpeedHi             ; carry -> high byte
        clc
        adc #<SPEED_BASE
        sta SpeedLo
        lda SpeedHi
        adc #>SPEED_BASE
        sta SpeedHi
        ; --- fruit falls ---
        sec
        lda FruitYFrac
        sbc SpeedLo
        sta FruitYFrac
        lda FruitY
        sbc SpeedHi
        sta FruitY
        bcs .noUnder
        lda #0                  ; fell below row 0
        sta FruitY
        lda Missed
        beq .decide             ; (cannot happen at these speeds; decide anyway)
        jmp SpawnFruit          ; a missed fruit has left the screen: next one
.noUnder:
        lda Missed
        bne .fallDone           ; already decided, just falling past
        lda FruitY
        cmp #RIM_Y+1
        bcs .fallDone           ; still above the rim
.decide:
        ; --- fruit at the rim: inside the basket? ---
        lda FruitX
        sec
        sbc PadX
        clc
        adc #CATCH_OFS
        ldx #CATCH_W_W
        bit SWCHB
        bvc .wide2
        ldx #CATCH_W_N
.wide2: stx Tmp
        cmp Tmp
        bcs Miss
Catch:
        sed
        lda Score
        clc
        adc #1
        sta Score
        cld
        inc ScoreBin
        jsr CountDrop
        lda #8
        sta CatchFlash
        sta SndTimer
        lda #4
        sta AUDC0
        lda #6
        sta AUDF0
        lda Score
        cmp #WIN_SCORE
        bne SpawnFruit
        lda #2
        sta GameState
.fallDone:
        rts
Miss:
        dec Lives
        jsr CountDrop
        lda #1
        sta Missed
        lda #12
        sta MissFlash
        sta SndTimer
        lda #8
        sta AUDC0
        lda #20
        sta AUDF0
        lda Lives
        bne .alive
        lda #1
        sta GameState
.alive: rts

CountDrop:
        inc Dropped
        bne .cd
        dec Dropped             ; saturate at 255
.cd:    rts

; New fruit at the top, random column and colour.
SpawnFruit:
        jsr RandStep
        lda RandLo
        and #$7F
        clc
        adc #FRUIT_XMIN         ; 16..143
        cmp #FRUIT_XMAX+1
        bcc .inField
        sbc #64                 ; 137..143 -> 73..79 (carry is set here)
.inField:
        sta FruitX
        lda RandHi
        and #3
        tax
        lda FruitColours,x
        sta FruitCol
        lda #SPAWN_Y
        sta FruitY
        lda #0
        sta FruitYFrac
        sta Missed
        rts

; 16-bit Galois LFSR, right-shifting.
RandStep:
        lsr RandHi
        ror RandLo
        bcc .rs
        lda RandHi
        eor #LFSR_TAPS
        sta RandHi
.rs:    rts

; ---------------------------------------------------------------------------
; Build the 5 PF1 bytes of the score (tens in the high nibble, ones in the low;
; a leading zero is blank) and of the lives digit (high nibble).
; ---------------------------------------------------------------------------
PrepareDigits:
        lda #>Digits
        sta TensPtr+1
        sta OnesPtr+1
        sta LivesPtr+1
        lda Score
        and #$F0
        bne .tens
        lda #$A0                ; glyph 10 = blank
.tens:  lsr
        lsr                     ; tens * 4
        sta Tmp
        lsr
        lsr                     ; tens (carry clear: low bits were 0)
        adc Tmp                 ; tens * 5
        adc #<Digits
        sta TensPtr
        lda Score
        and #$0F
        sta Tmp
        asl
        asl
        adc Tmp                 ; ones * 5 (no carry: <= 45)
        adc #<Digits
        sta OnesPtr
        lda Lives
        sta Tmp
        asl
        asl
        adc Tmp
        adc #<Digits
        sta LivesPtr
        ldy #4
.row:   lda (TensPtr),y
        and #$F0
        sta Tmp
        lda (OnesPtr),y
        and #$0F
        ora Tmp
        sta ScoreGfx,y
        lda (LivesPtr),y
        and #$F0
        sta LivesGfx,y
        dey
        bpl .row
        rts

; ---------------------------------------------------------------------------
; Horizontal positions: basket (P0), fruit (P1), fruit shadow (ball).
; ---------------------------------------------------------------------------
PositionObjects:
        lda #NUSIZ_W            ; basket width from the left difficulty switch
        bit SWCHB
        bvc .nus
        lda #NUSIZ_N
.nus:   sta NUSIZ0
        lda #0
        sta NUSIZ1
        lda PadX
        sec
        sbc #OFS_P_WIDE
        ldx #0
        jsr SetHorizPos
        lda FruitX
        sec
        sbc #OFS_P
        ldx #1
        jsr SetHorizPos
        lda FruitX              ; 8-px ball shadow right under the fruit
        sec
        sbc #OFS_BL
        ldx #4
        jsr SetHorizPos
        sta WSYNC
        sta HMOVE               ; apply the fine offsets (VBLANK line, blank is harmless)
        rts

; A = x (0..159), X = object (0 P0, 1 P1, 2 M0, 3 M1, 4 BL).
; Coarse position: 15 pixels per 5-cycle loop pass from the start of a line;
; the remainder (-15..-1) becomes a fine motion of +6..-8 pixels for HMOVE.
SetHorizPos:
        sta WSYNC
        sec
.coarse:
        sbc #15
        bcs .coarse
        eor #7
        asl
        asl
        asl
        asl
        sta.wx HMP0,x           ; absolute,x: 5 cycles keeps the reset timing
        sta RESP0,x
        rts

; ---------------------------------------------------------------------------
; The visible frame: 192 scanlines. Each "sta WSYNC" ends one line; the count
; is noted at every one. Entered at cycle ~6 of visible line 0.
; ---------------------------------------------------------------------------
Kernel:
        ; line 0: set up the score band (playfield in SCORE mode, not reflected)
        lda #0
        sta PF0
        sta PF1
        sta PF2
        sta GRP0
        sta GRP1
        sta ENABL
        lda #%00000010
        sta CTRLPF
        lda #COL_SCORE
        sta COLUP0
        lda #COL_LIVES
        sta COLUP1
        lda #COL_SKY
        ldx MissFlash
        beq .sky
        lda #COL_SKYMISS
.sky:   sta COLUBK
        sta WSYNC               ; end line 0
        sta WSYNC               ; end line 1
        sta WSYNC               ; end line 2
        ldx #0
        ldy #3
; lines 4..18: five glyph rows of three lines each (15 WSYNCs, ending lines 3..17)
.scoreLine:
        sta WSYNC               ; 0
        lda ScoreGfx,x          ; 4
        sta PF1                 ; 7   left half: before pixel 16 (cycle 28)
        nop                     ; wait until the left PF1 has been drawn
        nop
        nop
        nop
        nop
        nop
        nop
        nop
        nop
        nop
        nop
        nop
        nop
        nop
        nop
        nop                     ; 39
        lda LivesGfx,x          ; 43
        sta PF1                 ; 46  between pixel 48 (c39) and 96 (c55)
        dey                     ; 48
        bne .scoreLine          ; 51 (taken)
        inx                     ; 52
        ldy #3                  ; 54
        cpx #5                  ; 56
        bne .scoreLine          ; 59
        sta WSYNC               ; end line 18
        ; line 19: colours and playfield for the play area
        lda #0
        sta PF1
        lda #%00110001          ; reflected playfield, 8-pixel ball
        sta CTRLPF
        lda #COL_WALL
        sta COLUPF
        lda #COL_BASKET
        ldx CatchFlash
        beq .bc
        lda #COL_FLASH
.bc:    sta COLUP0
        lda FruitCol
        sta COLUP1
        sta WSYNC               ; end line 19
        sta WSYNC               ; end line 20
        sta WSYNC               ; end line 21
        sta WSYNC               ; end line 22
        sta WSYNC               ; end line 23
        ; lines 24..27: top bar
        lda #$F0
        sta PF0
        lda #$FF
        sta PF1
        sta PF2
        sta WSYNC               ; end line 24
        sta WSYNC               ; end line 25
        sta WSYNC               ; end line 26
        ; line 27: compute the fruit byte for the top play row (147)
        ldy #PLAY_H-1
        tya
        sec
        sbc FruitY
        tax
        lda FruitTab,x
        tax
        sta WSYNC               ; end line 27
        ; line 28 = play row 147: walls only, then join the loop
        lda #$F0
        sta PF0                 ; 5: walls 16 px wide each side
        lda #0
        sta PF1
        sta PF2                 ; 13
        jmp .playStore          ; 16 -> GRP1 at 19 (still horizontal blank)

; Play area: lines 28..175 = rows 147..0. X holds the fruit byte of the row,
; computed during the line before so the writes land in horizontal blank.
.playLoop:
        sta WSYNC               ; 0   (ends lines 28..174)
.playStore:
        stx GRP1                ; 3
        lda BasketRows,y        ; 7
        sta GRP0                ; 10
        lda ShadowRows,y        ; 14
        sta ENABL               ; 17
        dey                     ; 19
        cpy #$FF                ; 21  (rows go above 127: no bmi)
        beq .playDone           ; 23
        tya                     ; 25  fruit byte for the next row:
        sec                     ; 27  FruitTab[(row - FruitY) & 255]
        sbc FruitY              ; 30  is the sprite for 0..7, else 0
        tax                     ; 32
        lda FruitTab,x          ; 36
        tax                     ; 38
        jmp .playLoop           ; 41
.playDone:
        ldx #COL_GROUND         ; ground colour tells the game state
        lda GameState
        beq .gc
        ldx #COL_OVER
        cmp #1
        beq .gc
        ldx #COL_WON
.gc:    sta WSYNC               ; end line 175 (row 0)
        ; lines 176..183: ground
        stx COLUPF              ; 3
        lda #$FF                ; 5
        sta PF0                 ; 8   before pixel 0 (cycle 22)
        sta PF1                 ; 11
        sta PF2                 ; 14
        lda #0                  ; 16
        sta GRP0                ; 19
        sta GRP1                ; 22
        sta ENABL               ; 25  ball is never left of pixel 14
        ldx #8
.ground:
        sta WSYNC               ; ends lines 176..183
        dex
        bne .ground
        ; line 184: empty bottom margin
        stx PF0                 ; X = 0
        stx PF1
        stx PF2
        ldx #7
.bottom:
        sta WSYNC               ; ends lines 184..190
        dex
        bne .bottom
        sta WSYNC               ; end line 191: the last visible line

; ---------------------------------------------------------------------------
; Overscan: 30 lines, timed (line 192 of the picture = scanline 232 of the frame)
; ---------------------------------------------------------------------------
        lda #2                  ; 2
        sta VBLANK              ; 5
        ldx #7                  ; 7
.osDelay:
        dex
        bne .osDelay            ; 41: sets the timer late enough in the line
        lda #OVERSCAN_TIM       ; 43
        sta TIM64T              ; 47
.waitOverscan:
        lda INTIM
        bne .waitOverscan
        jmp MainLoop

; ---------------------------------------------------------------------------
; Data. Tables read with ,y in the kernel sit at page starts so no access crosses a page.
; ---------------------------------------------------------------------------
FruitColours:
        .byte $46, $1C, $3A, $68 ; red, yellow, orange, violet

        ; Digits: 5 rows per glyph (top first), 3-pixel pattern in both nibbles
        ; so the same byte serves the tens (high) and ones (low) positions.
        ALIGN 256
Digits:
        .byte $EE,$AA,$AA,$AA,$EE ; 0
        .byte $44,$CC,$44,$44,$EE ; 1
        .byte $EE,$22,$EE,$88,$EE ; 2
        .byte $EE,$22,$66,$22,$EE ; 3
        .byte $AA,$AA,$EE,$22,$22 ; 4
        .byte $EE,$88,$EE,$22,$EE ; 5
        .byte $EE,$88,$EE,$AA,$EE ; 6
        .byte $EE,$22,$44,$44,$44 ; 7
        .byte $EE,$AA,$EE,$AA,$EE ; 8
        .byte $EE,$AA,$EE,$22,$EE ; 9
        .byte $00,$00,$00,$00,$00 ; blank (leading zero)

        ; Fruit, row 0 = bottom, padded to a page of zeros so the kernel can
        ; index it with (row - FruitY) & 255 without a range check.
        ALIGN 256
FruitTab:
        .byte %00011000         ; row 0 (bottom)
        .byte %00111100
        .byte %01111110
        .byte %01111110
        .byte %11111111
        .byte %11111111
        .byte %11111111
        .byte %11111111
        .byte %01111110
        .byte %00110100
        .byte %00001000
        .byte %00010000         ; row 11: stem
        ds 256-FRUIT_H, 0

        ; Basket per play row (rows PAD_Y..PAD_Y+7), 0 elsewhere.
        ALIGN 256
BasketRows:
        .byte 0,0,0,0
        .byte %00111100         ; row 4 (bottom)
        .byte %01111110
        .byte %01111110
        .byte %11111111
        .byte %11011011
        .byte %11111111
        .byte %10000001
        .byte %10000001         ; row 11 (rim)
        ds PLAY_H-12, 0

        ; Fruit shadow on the two bottom rows (ball enable bit 1).
        ALIGN 256
ShadowRows:
        .byte 2,2
        ds PLAY_H-2, 0

; ---------------------------------------------------------------------------
        ORG $FFFA
        .word PowerOn           ; NMI (unused)
        .word PowerOn           ; RESET
        .word PowerOn           ; IRQ/BRK (unused)
