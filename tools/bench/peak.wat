;; The machine's wasm SIMD128 limit for `make bench`: run(rounds), rounds >= 1,
;; does that many rounds of 12 independent chains a = a * m + c on f32x4 (one
;; f32x4.mul and one f32x4.add: 8 flops each). Twelve chains keep enough
;; multiplies and adds in flight to hide their latency; 14 or 16 spill out of the
;; 16 vector registers V8 uses on x86-64 and measured slower here. The result
;; depends on every chain, so none can be optimized away.
(module
  (global (export "flopsPerRound") i32 (i32.const 96))
  (func (export "run") (param $rounds i32) (result f32)
    (local $m v128) (local $c v128)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $a4 v128) (local $a5 v128)
    (local $a6 v128) (local $a7 v128) (local $a8 v128) (local $a9 v128) (local $a10 v128) (local $a11 v128)
    ;; a converges to c / (1 - m) = 1: no overflow, no denormals.
    (local.set $m (f32x4.splat (f32.const 0.999)))
    (local.set $c (f32x4.splat (f32.const 0.001)))
    (local.set $a0 (f32x4.splat (f32.const 0)))
    (local.set $a1 (f32x4.splat (f32.const 1)))
    (local.set $a2 (f32x4.splat (f32.const 2)))
    (local.set $a3 (f32x4.splat (f32.const 3)))
    (local.set $a4 (f32x4.splat (f32.const 4)))
    (local.set $a5 (f32x4.splat (f32.const 5)))
    (local.set $a6 (f32x4.splat (f32.const 6)))
    (local.set $a7 (f32x4.splat (f32.const 7)))
    (local.set $a8 (f32x4.splat (f32.const 8)))
    (local.set $a9 (f32x4.splat (f32.const 9)))
    (local.set $a10 (f32x4.splat (f32.const 10)))
    (local.set $a11 (f32x4.splat (f32.const 11)))
    (loop $round
      (local.set $a0 (f32x4.add (f32x4.mul (local.get $a0) (local.get $m)) (local.get $c)))
      (local.set $a1 (f32x4.add (f32x4.mul (local.get $a1) (local.get $m)) (local.get $c)))
      (local.set $a2 (f32x4.add (f32x4.mul (local.get $a2) (local.get $m)) (local.get $c)))
      (local.set $a3 (f32x4.add (f32x4.mul (local.get $a3) (local.get $m)) (local.get $c)))
      (local.set $a4 (f32x4.add (f32x4.mul (local.get $a4) (local.get $m)) (local.get $c)))
      (local.set $a5 (f32x4.add (f32x4.mul (local.get $a5) (local.get $m)) (local.get $c)))
      (local.set $a6 (f32x4.add (f32x4.mul (local.get $a6) (local.get $m)) (local.get $c)))
      (local.set $a7 (f32x4.add (f32x4.mul (local.get $a7) (local.get $m)) (local.get $c)))
      (local.set $a8 (f32x4.add (f32x4.mul (local.get $a8) (local.get $m)) (local.get $c)))
      (local.set $a9 (f32x4.add (f32x4.mul (local.get $a9) (local.get $m)) (local.get $c)))
      (local.set $a10 (f32x4.add (f32x4.mul (local.get $a10) (local.get $m)) (local.get $c)))
      (local.set $a11 (f32x4.add (f32x4.mul (local.get $a11) (local.get $m)) (local.get $c)))
      (br_if $round (local.tee $rounds (i32.sub (local.get $rounds) (i32.const 1)))))
    (f32x4.extract_lane 0
      (f32x4.add
        (f32x4.add (f32x4.add (f32x4.add (local.get $a0) (local.get $a1)) (f32x4.add (local.get $a2) (local.get $a3)))
                   (f32x4.add (f32x4.add (local.get $a4) (local.get $a5)) (f32x4.add (local.get $a6) (local.get $a7))))
        (f32x4.add (f32x4.add (local.get $a8) (local.get $a9)) (f32x4.add (local.get $a10) (local.get $a11)))))))
