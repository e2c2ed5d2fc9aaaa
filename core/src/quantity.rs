//! Kubernetes' `resource.Quantity` (being written; see issue 2).
