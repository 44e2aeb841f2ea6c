//! Reference values from PyTorch.
//!
//! Every expected value below was printed by torch 2.15.0+cu132 (CPU,
//! x86-64 with AVX-512; PyTorch's AVX2 kernels give the same bits) with the
//! Python call quoted above it. Floats are compared bit for bit: float64 and
//! integer results as the brief requires, and float32/float16/bfloat16 too,
//! since the polynomial `log`/`sincos` of PyTorch's vector kernel is
//! reproduced exactly rather than approximated.

use half::{bf16, f16};

use super::*;

fn rand<T: RandomFloat + Default>(g: &mut CpuGenerator, n: usize, from: f64, to: f64) -> Vec<T> {
    let mut out = vec![T::default(); n];
    fill_uniform(g, &mut out, from, to);
    out
}

fn randn<T: RandomFloat + Default>(g: &mut CpuGenerator, n: usize, mean: f64, std: f64) -> Vec<T> {
    let mut out = vec![T::default(); n];
    fill_normal(g, &mut out, mean, std);
    out
}

fn randint(g: &mut CpuGenerator, n: usize, low: i64, high: i64) -> Vec<i64> {
    let mut out = vec![0; n];
    fill_randint(g, &mut out, low, high);
    out
}

#[track_caller]
fn assert_f32_bits(got: &[f32], want: &[f32]) {
    let got: Vec<u32> = got.iter().map(|v| v.to_bits()).collect();
    let want: Vec<u32> = want.iter().map(|v| v.to_bits()).collect();
    assert_eq!(got, want);
}

#[track_caller]
fn assert_f64_bits(got: &[f64], want: &[f64]) {
    let got: Vec<u64> = got.iter().map(|v| v.to_bits()).collect();
    let want: Vec<u64> = want.iter().map(|v| v.to_bits()).collect();
    assert_eq!(got, want);
}

fn f16_bits(v: &[f16]) -> Vec<u16> {
    v.iter().map(|x| x.to_bits()).collect()
}

fn bf16_bits(v: &[bf16]) -> Vec<u16> {
    v.iter().map(|x| x.to_bits()).collect()
}

#[test]
fn mt19937_matches_the_reference_sequence() {
    // Published MT19937 values for seed 5489: the first output, and the
    // 10000th one that the C++ standard requires of std::mt19937.
    let mut mt = Mt19937::new(5489);
    assert_eq!(mt.next_u32(), 3_499_211_612);
    for _ in 1..9999 {
        mt.next_u32();
    }
    assert_eq!(mt.next_u32(), 4_123_659_995);
}

#[test]
fn rand_f32() {
    // torch.manual_seed(0); torch.rand(5)
    let mut g = CpuGenerator::new(0);
    assert_f32_bits(
        &rand::<f32>(&mut g, 5, 0.0, 1.0),
        &[0.4962566, 0.7682218, 0.08847743, 0.13203049, 0.30742282],
    );
}

#[test]
fn rand_f64() {
    // torch.manual_seed(0); torch.rand(20, dtype=torch.float64)
    let mut g = CpuGenerator::new(0);
    let want = [
        0.9700530018065531,
        0.707819864399788,
        0.45938294312745087,
        0.9207476841219603,
        0.6450241201227648,
        0.7911478921803037,
        0.17860617520075095,
        0.3511076243939284,
        0.5813409198075745,
        0.2882358921361502,
        0.4528688488811142,
        0.17679952620371409,
        0.35526675833930643,
        0.6219052486795277,
        0.48184840078170854,
        0.4408004990443595,
        0.40728157436444157,
        0.2054385934615871,
        0.6650381757501495,
        0.7848739004551177,
    ];
    assert_f64_bits(&rand::<f64>(&mut g, 20, 0.0, 1.0), &want);
}

#[test]
fn rand_f16_and_bf16() {
    // torch.manual_seed(0); torch.rand(8, dtype=torch.float16).view(torch.int16)
    let mut g = CpuGenerator::new(0);
    let want: [u16; 8] = [
        0x37f1, 0x3a25, 0x2daa, 0x303a, 0x34eb, 0x3913, 0x37d7, 0x3b2c,
    ];
    assert_eq!(f16_bits(&rand::<f16>(&mut g, 8, 0.0, 1.0)), want);
    // torch.manual_seed(0); torch.rand(8, dtype=torch.bfloat16).view(torch.int16)
    let mut g = CpuGenerator::new(0);
    let want: [u16; 8] = [
        0x3efe, 0x3f45, 0x3db5, 0x3e07, 0x3e9d, 0x3f22, 0x3efb, 0x3f65,
    ];
    assert_eq!(bf16_bits(&rand::<bf16>(&mut g, 8, 0.0, 1.0)), want);
}

#[test]
fn uniform_with_bounds() {
    // torch.manual_seed(0); torch.empty(5).uniform_(-2, 3)
    let mut g = CpuGenerator::new(0);
    assert_f32_bits(
        &rand::<f32>(&mut g, 5, -2.0, 3.0),
        &[0.48128295, 1.841109, -1.5576129, -1.3398476, -0.46288592],
    );
    // torch.manual_seed(0); torch.empty(8, dtype=torch.float16).uniform_(-2, 3).view(torch.int16)
    let mut g = CpuGenerator::new(0);
    let want: [u16; 8] = [
        0x37b3, 0x3f5d, 0xbe3b, 0xbd5c, 0xb768, 0x3cae, 0x3735, 0x40f7,
    ];
    assert_eq!(f16_bits(&rand::<f16>(&mut g, 8, -2.0, 3.0)), want);
}

#[test]
fn uniform_maps_a_rounded_up_bound_to_from() {
    // torch.manual_seed(0); torch.empty(28).uniform_(1.0, 1.0 + 2**-20)[24:28]
    // Element 26 is x = 0.9527..., so x * 2^-20 + 1 rounds to `to` in float
    // and is replaced by `from`.
    let mut g = CpuGenerator::new(0);
    let got = rand::<f32>(&mut g, 28, 1.0, 1.0 + 2f64.powi(-20));
    assert_f32_bits(&got[24..], &[1.0000004, 1.0000005, 1.0, 1.0]);
    // torch.manual_seed(0); torch.rand(340, dtype=torch.float16)[335:340].view(torch.int16)
    // Element 337 rounds up to 1.0 in float16 and becomes 0.
    let mut g = CpuGenerator::new(0);
    let got = rand::<f16>(&mut g, 340, 0.0, 1.0);
    let want: [u16; 5] = [0x3991, 0x3b05, 0x0000, 0x3b7f, 0x3b19];
    assert_eq!(f16_bits(&got[335..]), want);
}

#[test]
fn randn_short_uses_the_serial_path() {
    // torch.manual_seed(0); torch.randn(5)
    let mut g = CpuGenerator::new(0);
    assert_f32_bits(
        &randn::<f32>(&mut g, 5, 0.0, 1.0),
        &[1.5409961, -0.2934289, -2.1787894, 0.56843126, -1.0845224],
    );
    // torch.manual_seed(0); torch.randn(5, dtype=torch.float16).view(torch.int16)
    let mut g = CpuGenerator::new(0);
    let want: [u16; 5] = [0x3e2a, 0xb4b2, 0xc05c, 0x388c, 0xbc57];
    assert_eq!(f16_bits(&randn::<f16>(&mut g, 5, 0.0, 1.0)), want);
}

#[test]
fn randn_f32_vector_path() {
    // torch.manual_seed(0); torch.randn(20)
    let mut g = CpuGenerator::new(0);
    assert_f32_bits(
        &randn::<f32>(&mut g, 20, 0.0, 1.0),
        &[
            -1.1258398,
            -1.1523602,
            -0.25057858,
            -0.4338788,
            0.59883946,
            -1.5550951,
            -0.3413604,
            1.8530061,
            0.4680964,
            -0.15771244,
            1.4436601,
            0.2660494,
            1.3893661,
            1.5863342,
            0.94629836,
            -0.84367675,
            0.9318266,
            1.2590092,
            2.0049806,
            0.053736903,
        ],
    );
}

#[test]
fn randn_f64_vector_path_with_tail() {
    // torch.manual_seed(0); torch.randn(37, dtype=torch.float64)
    let mut g = CpuGenerator::new(0);
    let want = [
        -2.310411800234176,
        -0.3732508612577643,
        -1.0608166785462863,
        0.9995093547811761,
        -0.8840250045832653,
        -1.2755469302148053,
        -0.623224579866079,
        -0.8664416019125772,
        -1.2956271403277857,
        1.52363162310635,
        0.3236605664983738,
        2.0177260314861085,
        1.1357423400213507,
        -1.226881339001083,
        0.07138847120511693,
        0.3380174030507378,
        0.15351883531544036,
        -0.6332746088675096,
        -1.2609246557194385,
        -0.726951062065411,
        -0.019964750907762653,
        -1.1195351830271254,
        1.1664857205254855,
        0.9262324572968778,
        0.7970100169250297,
        0.21166418145300325,
        0.13557114260567418,
        -0.033892918655373555,
        0.4604689979691664,
        0.24018023403782535,
        -1.3487610270963772,
        0.2443990933828689,
        -0.013720701456433322,
        -0.19960822763281003,
        -1.6564246944540333,
        0.9138982512742285,
        1.154696227582466,
    ];
    assert_f64_bits(&randn::<f64>(&mut g, 37, 0.0, 1.0), &want);
}

#[test]
fn randn_f64_serial_cache_carries_over() {
    // torch.manual_seed(0); a = torch.randn(7, dtype=torch.float64); b = torch.randn(3, dtype=torch.float64)
    let mut g = CpuGenerator::new(0);
    let a = randn::<f64>(&mut g, 7, 0.0, 1.0);
    let b = randn::<f64>(&mut g, 3, 0.0, 1.0);
    assert_f64_bits(
        &a,
        &[
            1.5409961082440433,
            -0.2934289057609464,
            -2.1787893820745574,
            0.5684312772806678,
            -1.084522342424021,
            -1.3985953953708767,
            0.4033468476292993,
        ],
    );
    assert_f64_bits(
        &b,
        &[
            0.8380263329976598,
            -0.7192575784693592,
            -0.40334352493217457,
        ],
    );
}

#[test]
fn normal_with_mean_and_std() {
    // torch.manual_seed(0); torch.empty(20).normal_(1, 2)
    let mut g = CpuGenerator::new(0);
    assert_f32_bits(
        &randn::<f32>(&mut g, 20, 1.0, 2.0),
        &[
            -1.2516797, -1.3047204, 0.49884284, 0.13224238, 2.197679, -2.1101902, 0.31727922,
            4.7060122, 1.9361928, 0.6845751, 3.8873203, 1.5320988, 3.7787323, 4.1726685, 2.8925967,
            -0.6873535, 2.8636532, 3.5180185, 5.009961, 1.1074739,
        ],
    );
    // torch.manual_seed(0); torch.empty(20, dtype=torch.float64).normal_(1, 2)
    let mut g = CpuGenerator::new(0);
    let want = [
        -3.620823600468352,
        0.2534982774844714,
        -1.1216333570925725,
        2.9990187095623524,
        0.9600704981844747,
        1.4205997802033894,
        1.3543787027873317,
        -0.661020102016898,
        1.4774361163363412,
        2.467056737054568,
        -1.6437636582842754,
        3.6296227303942468,
        -0.37400738808709266,
        3.976148631621345,
        0.10316839057709781,
        -0.7820060703414751,
        2.3497150871880077,
        3.093730753962931,
        1.308590357293179,
        -0.49978304567838827,
    ];
    assert_f64_bits(&randn::<f64>(&mut g, 20, 1.0, 2.0), &want);
    // torch.manual_seed(0); torch.empty(6, 2)[:, 0].normal_(1, 2)  (non-contiguous)
    let mut g = CpuGenerator::new(0);
    let mut out = [0f32; 6];
    fill_normal_serial(&mut g, &mut out, 1.0, 2.0);
    assert_f32_bits(
        &out,
        &[
            4.081992, 0.41314217, -3.3575788, 2.1368625, -1.1690447, -1.7971908,
        ],
    );
}

#[test]
fn randn_half_types_draw_only_whole_blocks() {
    // torch.manual_seed(0); torch.randn(20, dtype=torch.float16).view(torch.int16);
    // torch.rand(2, dtype=torch.float64)
    let mut g = CpuGenerator::new(0);
    let want: [u16; 20] = [
        0xbc81, 0xbc9c, 0xb402, 0xb6f1, 0xbd69, 0xbec9, 0x3889, 0x3a59, 0x38ca, 0xbe38, 0xb576,
        0x3f69, 0x3a00, 0xb8af, 0xb18c, 0x31df, 0x3d8f, 0x3e58, 0x3b92, 0xbac0,
    ];
    assert_eq!(f16_bits(&randn::<f16>(&mut g, 20, 0.0, 1.0)), want);
    assert_f64_bits(
        &rand::<f64>(&mut g, 2, 0.0, 1.0),
        &[0.40728157436444157, 0.2054385934615871],
    );
    // torch.manual_seed(0); torch.randn(20, dtype=torch.bfloat16).view(torch.int16)
    let mut g = CpuGenerator::new(0);
    let want: [u16; 20] = [
        0xbf90, 0xbf94, 0xbe80, 0xbede, 0xbfad, 0xbfd9, 0x3f11, 0x3f4b, 0x3f19, 0xbfc7, 0xbeaf,
        0x3fed, 0x3f40, 0xbf16, 0xbe32, 0x3e3c, 0x3fb2, 0x3fcb, 0x3f72, 0xbf58,
    ];
    assert_eq!(bf16_bits(&randn::<bf16>(&mut g, 20, 0.0, 1.0)), want);
}

#[test]
fn randint_small_and_wide_ranges() {
    // torch.manual_seed(0); torch.randint(0, 10, (8,))
    let mut g = CpuGenerator::new(0);
    assert_eq!(randint(&mut g, 8, 0, 10), [4, 9, 3, 0, 3, 9, 7, 3]);
    // torch.manual_seed(0); torch.randint(-5, 2**40, (4,))
    let mut g = CpuGenerator::new(0);
    assert_eq!(
        randint(&mut g, 4, -5, 1 << 40),
        [741234585336, 506077272957, 291397093751, 841111833108]
    );
}

#[test]
fn randint_switches_to_64_bit_draws_at_2_pow_28() {
    // torch.manual_seed(0); torch.randint(0, 2**28 - 1, (3,))
    let mut g = CpuGenerator::new(0);
    assert_eq!(
        randint(&mut g, 3, 0, (1 << 28) - 1),
        [209652404, 130329144, 118924928]
    );
    // torch.manual_seed(0); torch.randint(0, 2**28, (3,))
    let mut g = CpuGenerator::new(0);
    assert_eq!(
        randint(&mut g, 3, 0, 1 << 28),
        [130329135, 136432832, 195187451]
    );
}

#[test]
fn randperm_small() {
    // torch.manual_seed(0); torch.randperm(10)
    let mut g = CpuGenerator::new(0);
    assert_eq!(randperm(&mut g, 10), [4, 1, 7, 5, 3, 9, 0, 8, 6, 2]);
}

#[test]
fn default_seed_stream() {
    // g = torch.Generator(); g.initial_seed(); torch.rand(3, generator=g, dtype=torch.float64)
    let mut g = CpuGenerator::default();
    assert_eq!(g.initial_seed(), 67280421310721);
    assert_f64_bits(
        &rand::<f64>(&mut g, 3, 0.0, 1.0),
        &[0.13836205913224875, 0.6823109470364002, 0.2969577693522062],
    );
}

#[test]
fn global_generator_is_seeded_from_entropy() {
    // Like torch's global generator: not the fixed default seed, and reseedable.
    let seed = default_generator()
        .lock()
        .map(|g| g.initial_seed())
        .unwrap_or(0);
    assert_ne!(seed, CpuGenerator::DEFAULT_SEED);
    assert_ne!(
        CpuGenerator::default().seed(),
        CpuGenerator::default().seed()
    );
}

#[test]
fn seeds_wider_than_32_bits() {
    // torch.manual_seed(2**40 + 7); torch.initial_seed(); torch.rand(2, dtype=torch.float64)
    let mut g = CpuGenerator::new((1 << 40) + 7);
    assert_eq!(g.initial_seed(), 1099511627783);
    assert_f64_bits(
        &rand::<f64>(&mut g, 2, 0.0, 1.0),
        &[0.279380429906404, 0.27369371365176565],
    );
}

/// FNV-1a, to compare a whole state blob against one number.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(target_endian = "little")]
#[test]
fn state_blob_matches_torch() {
    // torch.manual_seed(0); torch.randn(7, dtype=torch.float64); s = torch.get_rng_state()
    // (the odd-sized serial draw leaves a cached double normal in the state)
    let mut g = CpuGenerator::new(0);
    randn::<f64>(&mut g, 7, 0.0, 1.0);
    let state = g.get_state();
    assert_eq!(state.len(), 5056);
    // s[:32]: seed 0, left 609, seeded 1, next 16, state[0]
    let head: [u8; 32] = [
        0, 0, 0, 0, 0, 0, 0, 0, 97, 2, 0, 0, 1, 0, 0, 0, 16, 0, 0, 0, 0, 0, 0, 0, 18, 13, 161, 145,
        0, 0, 0, 0,
    ];
    assert_eq!(state[..32], head);
    // s[5016:]: normal_x, normal_y (the cached sample), normal_rho,
    // normal_is_valid, padding, float sample, its flag, padding
    let tail: [u8; 40] = [
        0, 0, 0, 0, 0, 0, 0, 0, 24, 45, 173, 153, 28, 209, 234, 63, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    ];
    assert_eq!(state[5016..], tail);
    // FNV-1a of all of s
    assert_eq!(fnv1a(&state), 0x63a8bcc9774be153);
}

#[test]
fn state_round_trip_resumes_the_stream() {
    let mut g = CpuGenerator::new(1234);
    randn::<f64>(&mut g, 3, 0.0, 1.0); // leaves a cached normal
    let saved = g.get_state();
    let expected = randn::<f64>(&mut g, 41, 0.5, 3.0);

    let mut h = CpuGenerator::new(99);
    assert_eq!(h.set_state(&saved), Ok(()));
    assert_eq!(h.initial_seed(), 1234);
    assert_f64_bits(&randn::<f64>(&mut h, 41, 0.5, 3.0), &expected);
    assert_eq!(h.get_state(), g.get_state());
}

#[test]
fn set_state_rejects_bad_blobs_without_changing_the_generator() {
    let mut g = CpuGenerator::new(5);
    let before = g.clone();
    assert!(g.set_state(&[]).is_err());
    assert!(g.set_state(&[0u8; 5048]).is_err());
    assert!(g.set_state(&[0u8; 5057]).is_err());
    // All zeros: `seeded == 0` and `left == 0`, which PyTorch also rejects.
    assert!(g.set_state(&[0u8; 5056]).is_err());

    let good = CpuGenerator::new(7).get_state();
    let patch = |offset: usize, bytes: &[u8]| {
        let mut blob = good.clone();
        blob[offset..offset + bytes.len()].copy_from_slice(bytes);
        blob
    };
    // left = 0, next = 625, seeded = 0: each rejected by torch 2.15 with
    // "Invalid mt19937 state".
    assert!(g.set_state(&patch(8, &0i32.to_ne_bytes())).is_err());
    assert!(g.set_state(&patch(16, &625u64.to_ne_bytes())).is_err());
    assert!(g.set_state(&patch(12, &0i32.to_ne_bytes())).is_err());
    assert_eq!(g, before);
}

#[test]
fn inconsistent_but_accepted_state_does_not_panic() {
    // left = 624 with next = 624 passes PyTorch's check, although a draw
    // would read past the table; here it re-twists instead.
    let mut blob = CpuGenerator::new(3).get_state();
    blob[8..12].copy_from_slice(&624i32.to_ne_bytes());
    blob[16..24].copy_from_slice(&624u64.to_ne_bytes());
    let mut g = CpuGenerator::new(0);
    assert_eq!(g.set_state(&blob), Ok(()));
    for _ in 0..2000 {
        g.random_u32();
    }
}

#[test]
fn manual_seed_clears_the_cached_normal() {
    let mut g = CpuGenerator::new(0);
    randn::<f64>(&mut g, 1, 0.0, 1.0);
    g.manual_seed(0);
    assert_eq!(g, CpuGenerator::new(0));
}

#[test]
fn seed_reseeds_and_reports_the_seed() {
    let mut g = CpuGenerator::new(0);
    let s = g.seed();
    assert_eq!(g.initial_seed(), s);
    assert_eq!(g, CpuGenerator::new(s));
}

#[test]
fn random_u64_puts_the_first_draw_high() {
    let mut a = CpuGenerator::new(42);
    let mut b = CpuGenerator::new(42);
    let hi = u64::from(a.random_u32());
    let lo = u64::from(a.random_u32());
    assert_eq!(b.random_u64(), (hi << 32) | lo);
}

#[test]
fn empty_and_degenerate_inputs() {
    let mut g = CpuGenerator::new(0);
    let fresh = g.clone();
    fill_uniform::<f32>(&mut g, &mut [], 0.0, 1.0);
    fill_normal::<f64>(&mut g, &mut [], 0.0, 1.0);
    fill_normal_serial::<f16>(&mut g, &mut [], 0.0, 1.0);
    fill_randint(&mut g, &mut [], 0, 10);
    assert!(randperm(&mut g, 0).is_empty());
    assert_eq!(randperm(&mut g, 1), [0]);
    let mut out = [9i64; 3];
    fill_randint(&mut g, &mut out, 4, 4);
    assert_eq!(out, [4, 4, 4]);
    fill_randint(&mut g, &mut out, 5, -5);
    assert_eq!(out, [5, 5, 5]);
    // None of the above draws anything, as in PyTorch.
    assert_eq!(g, fresh);

    // Extreme bounds stay inside [low, high).
    let mut out = [0i64; 64];
    fill_randint(&mut g, &mut out, i64::MIN, i64::MAX);
    assert!(out.iter().all(|&v| v < i64::MAX));
    fill_randint(&mut g, &mut out, i64::MAX - 1, i64::MAX);
    assert!(out.iter().all(|&v| v == i64::MAX - 1));

    // Non-finite parameters produce non-finite numbers, not panics.
    let mut out = [0f32; 40];
    fill_normal(&mut g, &mut out, f64::NAN, f64::INFINITY);
    fill_uniform(&mut g, &mut out, f64::NEG_INFINITY, f64::INFINITY);
}

#[cfg(target_endian = "little")]
#[test]
fn set_state_normalizes_fields_like_torch() {
    // torch 2.15, starting from torch.manual_seed(3); s = torch.get_rng_state():
    // next = 2**32 is accepted and reads back as 0, seeded = 2 reads back as
    // 1, the high halves of the 64-bit state slots are dropped, and the float
    // normal cache (s[5048:5056] = 1.5f, valid) round-trips unchanged.
    let reference = CpuGenerator::new(3).get_state();
    let mut blob = reference.clone();
    blob[16..24].copy_from_slice(&(1u64 << 32).to_ne_bytes());
    blob[12..16].copy_from_slice(&2i32.to_ne_bytes());
    blob[24 + 5] ^= 0xad; // a byte of the high half of state[0]
    blob[5048..5052].copy_from_slice(&1.5f32.to_ne_bytes());
    blob[5052] = 1;

    let mut g = CpuGenerator::new(0);
    assert_eq!(g.set_state(&blob), Ok(()));
    let back = g.get_state();
    assert_eq!(back[..5048], reference[..5048]);
    assert_eq!(back[5048..], [0, 0, 0xc0, 0x3f, 1, 0, 0, 0]);
    assert_f64_bits(
        &rand::<f64>(&mut g, 3, 0.0, 1.0),
        &rand::<f64>(&mut CpuGenerator::new(3), 3, 0.0, 1.0),
    );
}
