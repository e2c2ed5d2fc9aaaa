//! ClusterIP and NodePort allocation (`pkg/registry/core/service/ipallocator`,
//! `portallocator`, over `allocator/bitmap.go`).
//!
//! Each range is a bitmap. Dynamic allocation picks a random free slot in the
//! upper band first and falls back to the lower band, which is left for
//! static requests (`randomScanStrategyWithOffset`). Admission works on a
//! clone; the store keeps the clone only when the write commits, so a refused
//! write allocates nothing.

use std::net::Ipv4Addr;

use crate::rng::Rng;

/// The default `--service-cluster-ip-range`.
pub const SERVICE_CIDR: &str = "10.0.0.0/24";
/// The default `--service-node-port-range`.
pub const NODE_PORT_RANGE: &str = "30000-32767";
/// The first node port.
pub const NODE_PORT_BASE: i32 = 30000;
/// The number of node ports.
pub const NODE_PORT_SIZE: u32 = 2768;
/// The IP the `default/kubernetes` Service gets.
pub const KUBERNETES_SERVICE_IP: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 1);

/// Why a specific allocation failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AllocError {
    /// Outside the range.
    NotInRange,
    /// Taken.
    Allocated,
    /// No free slot left.
    Full,
}

/// A bitmap over `0..size` with a lower band kept for static requests.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bitmap {
    bits: Vec<u64>,
    size: u32,
    offset: u32,
}

impl Bitmap {
    /// A bitmap of `size` slots whose first `offset` are left for static requests.
    pub fn new(size: u32, offset: u32) -> Bitmap {
        Bitmap {
            bits: vec![0; size.div_ceil(64) as usize],
            size,
            offset: offset.min(size),
        }
    }

    /// Whether slot `i` is taken.
    pub fn has(&self, i: u32) -> bool {
        i < self.size && self.bits[(i / 64) as usize] & (1 << (i % 64)) != 0
    }

    fn set(&mut self, i: u32, v: bool) {
        let word = &mut self.bits[(i / 64) as usize];
        if v {
            *word |= 1 << (i % 64);
        } else {
            *word &= !(1 << (i % 64));
        }
    }

    /// Takes slot `i`.
    pub fn allocate(&mut self, i: u32) -> Result<(), AllocError> {
        if i >= self.size {
            return Err(AllocError::NotInRange);
        }
        if self.has(i) {
            return Err(AllocError::Allocated);
        }
        self.set(i, true);
        Ok(())
    }

    /// Frees slot `i` (no-op when free or out of range).
    pub fn release(&mut self, i: u32) {
        if i < self.size {
            self.set(i, false);
        }
    }

    fn scan(&self, lo: u32, hi: u32, start: u32) -> Option<u32> {
        (start..hi).chain(lo..start).find(|&i| !self.has(i))
    }

    /// Takes a random free slot, from the upper band when it has one.
    pub fn allocate_next(&mut self, rng: &mut Rng) -> Result<u32, AllocError> {
        let (lo, hi) = (self.offset, self.size);
        let mut found = None;
        if hi > lo {
            let start = lo + rng.below(u64::from(hi - lo)) as u32;
            found = self.scan(lo, hi, start);
        }
        if found.is_none() && lo > 0 {
            let start = rng.below(u64::from(lo)) as u32;
            found = self.scan(0, lo, start);
        }
        let i = found.ok_or(AllocError::Full)?;
        self.set(i, true);
        Ok(i)
    }

    /// Number of taken slots.
    pub fn used(&self) -> u32 {
        self.bits.iter().map(|w| w.count_ones()).sum()
    }
}

/// Lower band of a range of `size` (`calculateRangeOffset`): IPs keep
/// min(max(16, size/16), 256) for static requests, ports min(max(16, size/32), 128).
fn band(size: u32, divisor: u32, cap: u32) -> u32 {
    (size / divisor).max(16).min(cap)
}

/// The allocators' state: service cluster IPs and node ports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Allocators {
    /// 10.0.0.1 ..= 10.0.0.254 (network and broadcast excluded).
    pub ips: Bitmap,
    /// 30000 ..= 32767.
    pub node_ports: Bitmap,
}

const IP_BASE: u32 = u32::from_be_bytes([10, 0, 0, 1]);
const IP_SIZE: u32 = 254;

impl Default for Allocators {
    fn default() -> Self {
        Allocators {
            ips: Bitmap::new(IP_SIZE, band(IP_SIZE, 16, 256)),
            node_ports: Bitmap::new(NODE_PORT_SIZE, band(NODE_PORT_SIZE, 32, 128)),
        }
    }
}

fn ip_slot(ip: Ipv4Addr) -> Option<u32> {
    let v = u32::from(ip);
    (IP_BASE..IP_BASE + IP_SIZE).contains(&v).then(|| v - IP_BASE)
}

fn port_slot(port: i32) -> Option<u32> {
    let p = port.checked_sub(NODE_PORT_BASE)?;
    u32::try_from(p).ok().filter(|p| *p < NODE_PORT_SIZE)
}

impl Allocators {
    /// Takes `ip`.
    pub fn allocate_ip(&mut self, ip: Ipv4Addr) -> Result<(), AllocError> {
        let slot = ip_slot(ip).ok_or(AllocError::NotInRange)?;
        self.ips.allocate(slot)
    }

    /// Takes a random free IP.
    pub fn allocate_next_ip(&mut self, rng: &mut Rng) -> Result<Ipv4Addr, AllocError> {
        let slot = self.ips.allocate_next(rng)?;
        Ok(Ipv4Addr::from(IP_BASE + slot))
    }

    /// Frees `ip`.
    pub fn release_ip(&mut self, ip: Ipv4Addr) {
        if let Some(slot) = ip_slot(ip) {
            self.ips.release(slot);
        }
    }

    /// Whether `ip` is taken.
    pub fn has_ip(&self, ip: Ipv4Addr) -> bool {
        ip_slot(ip).is_some_and(|s| self.ips.has(s))
    }

    /// Takes node port `port`.
    pub fn allocate_node_port(&mut self, port: i32) -> Result<(), AllocError> {
        let slot = port_slot(port).ok_or(AllocError::NotInRange)?;
        self.node_ports.allocate(slot)
    }

    /// Takes a random free node port.
    pub fn allocate_next_node_port(&mut self, rng: &mut Rng) -> Result<i32, AllocError> {
        let slot = self.node_ports.allocate_next(rng)?;
        Ok(NODE_PORT_BASE + slot as i32)
    }

    /// Frees node port `port`.
    pub fn release_node_port(&mut self, port: i32) {
        if let Some(slot) = port_slot(port) {
            self.node_ports.release(slot);
        }
    }

    /// Whether node port `port` is taken.
    pub fn has_node_port(&self, port: i32) -> bool {
        port_slot(port).is_some_and(|s| self.node_ports.has(s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dynamic_ips_prefer_the_upper_band() {
        let mut a = Allocators::default();
        let mut rng = Rng::new(1);
        for _ in 0..(254 - 16) {
            let ip = a.allocate_next_ip(&mut rng).unwrap();
            assert!(u32::from(ip) >= u32::from(Ipv4Addr::new(10, 0, 0, 17)), "{ip}");
        }
        // Upper band full: the lower band is used, then the range is full.
        for _ in 0..16 {
            let ip = a.allocate_next_ip(&mut rng).unwrap();
            assert!(u32::from(ip) <= u32::from(Ipv4Addr::new(10, 0, 0, 16)));
        }
        assert_eq!(a.allocate_next_ip(&mut rng), Err(AllocError::Full));
        a.release_ip(Ipv4Addr::new(10, 0, 0, 7));
        assert_eq!(a.allocate_next_ip(&mut rng), Ok(Ipv4Addr::new(10, 0, 0, 7)));
    }

    #[test]
    fn static_requests() {
        let mut a = Allocators::default();
        assert_eq!(
            a.allocate_ip(Ipv4Addr::new(10, 0, 0, 0)),
            Err(AllocError::NotInRange)
        );
        assert_eq!(
            a.allocate_ip(Ipv4Addr::new(10, 0, 0, 255)),
            Err(AllocError::NotInRange)
        );
        assert_eq!(a.allocate_ip(Ipv4Addr::new(10, 0, 0, 1)), Ok(()));
        assert_eq!(
            a.allocate_ip(Ipv4Addr::new(10, 0, 0, 1)),
            Err(AllocError::Allocated)
        );
        assert_eq!(a.allocate_node_port(29999), Err(AllocError::NotInRange));
        assert_eq!(a.allocate_node_port(32768), Err(AllocError::NotInRange));
        assert_eq!(a.allocate_node_port(32767), Ok(()));
        assert_eq!(a.allocate_node_port(32767), Err(AllocError::Allocated));
        assert!(a.has_node_port(32767));
        a.release_node_port(32767);
        assert!(!a.has_node_port(32767));
    }

    #[test]
    fn node_ports_are_random_and_deterministic() {
        let mut a = Allocators::default();
        let mut b = Allocators::default();
        let (mut r1, mut r2) = (Rng::new(5), Rng::new(5));
        for _ in 0..100 {
            let p = a.allocate_next_node_port(&mut r1).unwrap();
            assert!((30086..=32767).contains(&p));
            assert_eq!(Ok(p), b.allocate_next_node_port(&mut r2));
        }
        assert_eq!(a, b);
        assert_eq!(a.node_ports.used(), 100);
    }
}
