// Without --output or --compare, ct-run prints each result as numpy's str()
// does, and only the edges of arrays with more than 1000 elements.
// RUN: ct-run %s --entry double --input %S/Inputs/print.x.npy | FileCheck %s --check-prefix=SMALL --match-full-lines --strict-whitespace
// RUN: ct-run %s --entry iota | FileCheck %s --check-prefix=LARGE --match-full-lines --strict-whitespace

// SMALL:result #0: shape (2, 3), dtype <f4 (float32)
// SMALL-NEXT:{{\[\[}} 0.  2.  4.]
// SMALL-NEXT: [ 6.  8. 10.]]

// LARGE:result #0: shape (40, 40), dtype <i4 (int32)
// LARGE-NEXT:{{\[\[}}   0    1    2 ...   37   38   39]
// LARGE-NEXT: [  40   41   42 ...   77   78   79]
// LARGE-NEXT: [  80   81   82 ...  117  118  119]
// LARGE-NEXT: ...
// LARGE-NEXT: [1480 1481 1482 ... 1517 1518 1519]
// LARGE-NEXT: [1520 1521 1522 ... 1557 1558 1559]
// LARGE-NEXT: [1560 1561 1562 ... 1597 1598 1599]]

#map = affine_map<(d0, d1) -> (d0, d1)>
func.func @double(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %empty = tensor.empty() : tensor<2x3xf32>
  %r = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<2x3xf32>) outs(%empty : tensor<2x3xf32>) {
  ^bb0(%in: f32, %out: f32):
    %d = arith.addf %in, %in : f32
    linalg.yield %d : f32
  } -> tensor<2x3xf32>
  return %r : tensor<2x3xf32>
}

func.func @iota() -> tensor<40x40xi32> {
  %c40 = arith.constant 40 : index
  %empty = tensor.empty() : tensor<40x40xi32>
  %r = linalg.generic {indexing_maps = [#map], iterator_types = ["parallel", "parallel"]}
      outs(%empty : tensor<40x40xi32>) {
  ^bb0(%out: i32):
    %i = linalg.index 0 : index
    %j = linalg.index 1 : index
    %row = arith.muli %i, %c40 : index
    %flat = arith.addi %row, %j : index
    %v = arith.index_cast %flat : index to i32
    linalg.yield %v : i32
  } -> tensor<40x40xi32>
  return %r : tensor<40x40xi32>
}
