// The MLIR snippets of the README and docs/overview.md must stay valid ct IR.
// RUN: sed -n '/^```mlir$/,/^```$/{/^```/d;p;}' %ct_src/README.md | ct-opt | FileCheck %s --check-prefix=README
// RUN: sed -n '/^```mlir$/,/^```$/{/^```/d;p;}' %ct_src/docs/overview.md | ct-opt | FileCheck %s --check-prefix=OVERVIEW

// README-LABEL: func.func @k_cache
// README: ct.hadamard
// README: ct.fake_quantize {{.+}} quant<float8, attn_head>

// OVERVIEW-LABEL: func.func @decode
// OVERVIEW: ct.hooked_attention {{.+}} cache
// OVERVIEW-SAME: q_hook
// OVERVIEW: } k_hook {
// OVERVIEW: } v_hook {
