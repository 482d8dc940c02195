//! Rebuilds the benchmark group for every iteration without building or copying its members:
//! member lists come back from finished transforms and go into the next group.
//!
//! `Pipeline::transform` takes the group by value and moves its members into the outcome, so a
//! fresh group per iteration would otherwise cost 50,000 allocations in the setup, and keeping
//! one group around would need a copy. The pool hands out untouched member lists; an outcome
//! wrapped in [`Recycled`] returns its list when criterion drops it, outside the timed part.

use std::cell::RefCell;

use gwb_model::{CloudGroup, Member};
use gwb_rules::{Aborted, Outcome};

use crate::scenario;

/// Member lists of one size, ready for the next groups.
pub struct MemberPool {
    count: usize,
    free: RefCell<Vec<Vec<Member>>>,
}

impl MemberPool {
    /// An empty pool of lists of `count` members.
    pub fn new(count: usize) -> Self {
        Self {
            count,
            free: RefCell::new(Vec::new()),
        }
    }

    /// The benchmark group with a returned member list, or a newly built one when none is free.
    pub fn group(&self) -> CloudGroup {
        let members = self
            .free
            .borrow_mut()
            .pop()
            .unwrap_or_else(|| scenario::members(self.count));
        scenario::group_with(members)
    }

    /// Wraps a transform's result so its members come back to this pool when it is dropped.
    pub fn recycled(&self, result: Result<Outcome, Aborted>) -> Recycled<'_> {
        Recycled { result, pool: self }
    }

    /// The number of lists waiting to be reused.
    pub fn free_lists(&self) -> usize {
        self.free.borrow().len()
    }
}

/// A transform's result that gives its member list back to the pool on drop.
pub struct Recycled<'a> {
    result: Result<Outcome, Aborted>,
    pool: &'a MemberPool,
}

impl Recycled<'_> {
    /// The transform's result.
    pub fn result(&self) -> &Result<Outcome, Aborted> {
        &self.result
    }
}

impl Drop for Recycled<'_> {
    fn drop(&mut self) {
        if let Ok(Outcome::Write { desired, .. }) = &mut self.result {
            let members = std::mem::take(&mut desired.members);
            // Only a list the pipeline passed through whole is the benchmark's list.
            if members.len() == self.pool.count {
                self.pool.free.borrow_mut().push(members);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::native;

    #[test]
    fn members_go_round_without_being_rebuilt() {
        let mut pipeline = scenario::pipeline(native::chain().unwrap()).unwrap();
        let pool = MemberPool::new(3);
        let group = pool.group();
        let first_ptr = group.members.as_ptr();
        let outcome = pool.recycled(pipeline.transform(group));
        let Ok(Outcome::Write { desired, .. }) = outcome.result() else {
            panic!("expected a write, got {:?}", outcome.result());
        };
        assert_eq!(desired.members, scenario::members(3));
        drop(outcome);
        assert_eq!(pool.free_lists(), 1);
        let again = pool.group();
        assert_eq!(again.members.as_ptr(), first_ptr);
        assert_eq!(again, scenario::group_with(scenario::members(3)));
    }
}
