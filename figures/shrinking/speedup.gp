# speedup: drawn by `gnuplot speedup.gp` from speedup.dat; edit freely and re-run.
set terminal pngcairo size 900,600 enhanced font 'Sans,12' linewidth 1.5
set output 'speedup.png'
set title "Evaluation speed-up over dense" noenhanced
set xlabel "share of FFN rows pruned" noenhanced
set ylabel "speed-up over dense" noenhanced
set key outside right top box opaque
set grid lc rgb '#dddddd'
set border lc rgb '#444444'
set format x '%.0f%%'
plot 'speedup.dat' index 0 using ($1*100):2 title "mlp.up_proj -> mlp.down_proj" noenhanced with linespoints lc rgb '#0072B2' dt 1 pt 7 ps 0.8, \
     'speedup.dat' index 1 using ($1*100):2 title "mlp.up_proj" noenhanced with linespoints lc rgb '#D55E00' dt 1 pt 7 ps 0.8, \
     1 title 'dense' with lines lc rgb '#000000' dt 2
set terminal svg size 900,600 enhanced font 'Sans,12' linewidth 1.5
set output 'speedup.svg'
replot
unset output
