/* Empty: lets automake link libberth from the convenience library. */
