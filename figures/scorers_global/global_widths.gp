# global_widths: drawn by `gnuplot global_widths.gp` from global_widths.dat; edit freely and re-run.
set terminal pngcairo size 900,600 enhanced font 'Sans,12' linewidth 1.5
set output 'global_widths.png'
set title "up_proj rows kept per layer at 30 % (wpr)" noenhanced
set xlabel "layer" noenhanced
set ylabel "mlp.up_proj rows kept" noenhanced
set key outside right top box opaque
set grid lc rgb '#dddddd'
set border lc rgb '#444444'
plot 'global_widths.dat' index 0 using 1:2 title "global @ 0.3" noenhanced with linespoints lc rgb '#D55E00' dt 1 pt 7 ps 0.8, \
     'global_widths.dat' index 1 using 1:2 title "global(balance: width) @ 0.3" noenhanced with linespoints lc rgb '#D55E00' dt 2 pt 7 ps 0.8
set terminal svg size 900,600 enhanced font 'Sans,12' linewidth 1.5
set output 'global_widths.svg'
replot
unset output
